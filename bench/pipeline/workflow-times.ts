import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common';
import { waitUntil } from '../support';

/** What the benchmarks read back from Temporal: counts from visibility, event times from histories. */

export async function count(client: Client, query: string): Promise<number> {
  return (await client.workflow.count(query)).count;
}

/**
 * Polls until `check` says done, printing its progress every 10 s; fails after `timeoutMs`.
 * Counting is cheap for the server, unlike one long poll per workflow for its result.
 */
export async function waitFor(label: string, check: () => Promise<{ done: boolean; progress: string }>, timeoutMs: number, everyMs = 500): Promise<void> {
  let progress = 'not counted yet';
  const done = async () => {
    const counted = await check();
    progress = counted.progress;
    return counted.done;
  };
  await waitUntil(label, done, timeoutMs, { everyMs, progress: () => progress });
}

/** Waits until the queue has `expected` workflows and none is running. */
export async function waitForAllClosed(client: Client, taskQueue: string, expected: number, timeoutMs: number): Promise<void> {
  await waitFor(
    `${taskQueue}`,
    async () => {
      const [all, running] = await Promise.all([count(client, `TaskQueue="${taskQueue}"`), count(client, `TaskQueue="${taskQueue}" AND ExecutionStatus="Running"`)]);
      return { done: all >= expected && running === 0, progress: `${all - running} of ${expected} closed` };
    },
    timeoutMs,
  );
}

export interface ClosedRuns {
  total: number;
  completed: number;
  /** Workflows by status name, e.g. { COMPLETED: 1000 }. */
  statuses: Record<string, number>;
  /** The server's start time of the first workflow and close time of the last (ms). */
  firstStart: number;
  lastClose: number;
}

export async function closedRuns(client: Client, taskQueue: string): Promise<ClosedRuns> {
  const statuses: Record<string, number> = {};
  let firstStart = Infinity;
  let lastClose = -Infinity;
  for await (const run of client.workflow.list({ query: `TaskQueue="${taskQueue}"`, pageSize: 1000 })) {
    statuses[run.status.name] = (statuses[run.status.name] ?? 0) + 1;
    firstStart = Math.min(firstStart, run.startTime.getTime());
    if (run.closeTime) lastClose = Math.max(lastClose, run.closeTime.getTime());
  }
  const total = Object.values(statuses).reduce((a, b) => a + b, 0);
  return { total, completed: statuses.COMPLETED ?? 0, statuses, firstStart, lastClose };
}

/** When the history recorded the first callback signal, and downloadWav's scheduling and start (ms). */
export interface DownloadTimes {
  signaledAt: number | undefined;
  scheduledAt: number;
  startedAt: number;
}

/**
 * downloadWav's ActivityTaskStarted event is written when the attempt ends, but its time is when
 * the worker's poll picked the task up: the download's real start.
 */
export async function downloadTimes(client: Client, workflowId: string): Promise<DownloadTimes> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const time = (e: (typeof events)[number] | undefined) => (e?.eventTime ? tsToMs(e.eventTime) : undefined);
  const signaled = events.find((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'providerCallback');
  const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'downloadWav');
  const started = events.find((e) => scheduled?.eventId != null && String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(scheduled.eventId));
  const scheduledAt = time(scheduled);
  const startedAt = time(started);
  if (scheduledAt === undefined || startedAt === undefined) throw new Error(`${workflowId}: no started downloadWav in its history`);
  return { signaledAt: time(signaled), scheduledAt, startedAt };
}
