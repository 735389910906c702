import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { ProviderCallback } from '../../src/provider/types';
import type { Sandbox, SandboxTask } from '../../src/sandbox';
import { providerCallbackSignal, statusQuery, type ConversionResult, type ConversionStatus } from '../../src/workflows';
import type { ConversionPlan } from './plan';
import { startedOver, storedBeforeLastAttempt } from './resume';
import type { ChaosStore } from './store';

/**
 * The end of a chaos run: every conversion checked against the sandbox's own record of what it
 * served, and against its workflow history (which no counter inside wavflow can dress up).
 */

export type Verdict = 'succeeded' | 'failed-as-expected' | 'lost' | 'corrupt' | 'wrong-outcome' | 'stuck';

export interface ConversionCheck {
  conversionId: string;
  plan: ConversionPlan;
  verdict: Verdict;
  /** Why, for anything but the two good verdicts. */
  detail?: string;
  workflowStatus: string;
  failureType?: string;
  answeredBy?: string;
  /** Body bytes the sandbox sent for this conversion's file, over all requests. */
  bytesServed: number;
  fileBytes: number;
  /**
   * The file was sent completely more than once: at least twice its size went out. Cuts resume,
   * and a download a kill interrupted costs at most what it had received, so anything short of
   * that is partial refetching (counted in the bytes), not a second download.
   */
  downloadedTwice: boolean;
  /**
   * A resume that started over: 1.1 to 2 times the file's size went out. A resumed cut or kill
   * refetches at most what was in flight; more means a retry threw away what it had and fetched
   * the file again from the start.
   */
  resumeFailed: boolean;
  /** The download's own account, for the report's line on a failed resume. */
  resume?: { resumedFrom: number; discardedBytes: number | undefined; storedBefore: number | undefined; attempt: number };
  /** providerCallback signals in the history that are not the provider's own callback for this task. */
  foreignSignals: number;
  /** Per activity type, 1 when its last attempt followed a timed-out one: work a killed worker or an outage interrupted. */
  timedOutAttempts: Record<string, number>;
  status?: ConversionStatus;
}

export async function checkConversion(client: Client, sandbox: Sandbox, store: Pick<ChaosStore, 'sha256Of' | 'resumeSlackBytes'>, plan: ConversionPlan): Promise<ConversionCheck> {
  const handle = client.workflow.getHandle(plan.conversionId);
  const task = sandbox.tasks().find((t) => t.audioId === plan.audioId);
  const base = {
    conversionId: plan.conversionId,
    plan,
    bytesServed: task?.bytesServed ?? 0,
    fileBytes: task?.file?.bytes ?? 0,
    downloadedTwice: task?.file !== undefined && task.bytesServed >= 2 * task.file.bytes,
    resumeFailed: startedOver({ fileBytes: task?.file?.bytes ?? 0, bytesServed: task?.bytesServed ?? 0, resumedFrom: undefined, storedBefore: undefined, slackBytes: store.resumeSlackBytes }),
  };
  const description = await handle.describe().catch(() => undefined);
  if (!description) return { ...base, verdict: 'lost', detail: 'no such workflow', workflowStatus: 'NOT_FOUND', foreignSignals: 0, timedOutAttempts: {} };
  const workflowStatus = description.status.name;
  const events = (await handle.fetchHistory()).events ?? [];
  const foreignSignals = events.filter((e) => isForeignSignal(e, task)).length;
  const check = { ...base, workflowStatus, foreignSignals, timedOutAttempts: timedOutAttempts(events) };
  if (workflowStatus === 'RUNNING') return { ...check, verdict: 'stuck', detail: `still running${task ? ` (provider task ${task.state})` : ' (never submitted)'}` };

  // A closed conversion's query replays its history on a worker: the answer is its final state.
  const status = await handle.query(statusQuery).catch(() => undefined);
  const answeredBy = status?.answeredBy;
  const closing = events.at(-1);
  if (plan.failure) {
    const type = closing?.workflowExecutionFailedEventAttributes?.failure?.applicationFailureInfo?.type ?? undefined;
    const expected = answeredBy === 'callback' ? plan.failure.byCallback : plan.failure.byPoll;
    const dropped = plan.callback === 'drop' && answeredBy === 'callback';
    const ok = workflowStatus === 'FAILED' && type === expected && !dropped;
    return {
      ...check,
      verdict: ok ? 'failed-as-expected' : 'wrong-outcome',
      ...(ok ? {} : { detail: `expected ${expected} (answered by ${answeredBy ?? '?'}), got ${workflowStatus} ${type ?? ''}` }),
      ...(type ? { failureType: type } : {}),
      ...(answeredBy ? { answeredBy } : {}),
      ...(status ? { status } : {}),
    };
  }

  const payload = closing?.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0];
  const result = payload ? defaultPayloadConverter.fromPayload<ConversionResult>(payload) : undefined;
  const extra = { ...(answeredBy ? { answeredBy } : {}), ...(status ? { status } : {}) };
  if (workflowStatus !== 'COMPLETED' || !result) {
    const type = closing?.workflowExecutionFailedEventAttributes?.failure?.applicationFailureInfo?.type ?? undefined;
    return { ...check, ...extra, verdict: 'lost', detail: `ended ${workflowStatus} ${type ?? ''}`.trim(), ...(type ? { failureType: type } : {}) };
  }
  // With a result, the download's own account of where each attempt started decides (bench/chaos/resume.ts).
  const resume = { resumedFrom: result.resumedFrom, discardedBytes: result.discardedBytes, storedBefore: storedBeforeLastAttempt(events), attempt: result.attempt };
  const completed = { ...check, ...extra, resume, resumeFailed: startedOver({ fileBytes: base.fileBytes, bytesServed: base.bytesServed, ...resume, slackBytes: store.resumeSlackBytes }) };
  const served = task?.file?.sha256;
  const onDisk = await store.sha256Of(plan.conversionId);
  if (onDisk === undefined) return { ...completed, verdict: 'lost', detail: 'completed, but no file in the store' };
  if (onDisk !== served || result.sha256 !== served) {
    return { ...completed, verdict: 'corrupt', detail: `file ${onDisk}, result ${result.sha256}, served ${served ?? 'nothing'}` };
  }
  return { ...completed, verdict: 'succeeded' };
}

/**
 * A providerCallback signal that the provider did not send for this task: another task id, or a
 * URL other than one of this task's file URLs. Genuine callbacks never differ in either.
 */
function isForeignSignal(event: temporal.api.history.v1.IHistoryEvent, task: SandboxTask | undefined): boolean {
  const signal = event.workflowExecutionSignaledEventAttributes;
  if (!signal || signal.signalName !== providerCallbackSignal.name) return false;
  const payload = signal.input?.payloads?.[0];
  if (!payload) return true;
  const callback = defaultPayloadConverter.fromPayload<ProviderCallback>(payload);
  if (!task || callback.taskId !== task.wavTaskId) return true;
  return callback.audioWavUrl != null && !new URL(callback.audioWavUrl).pathname.endsWith(`/files/${task.wavTaskId}.wav`);
}

/** Per activity type: activities whose last attempt started after one timed out (start-to-close or heartbeat). */
function timedOutAttempts(events: temporal.api.history.v1.IHistoryEvent[]): Record<string, number> {
  const types = new Map<string, string>();
  for (const e of events) {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (name) types.set(String(e.eventId), name);
  }
  const counts: Record<string, number> = {};
  for (const e of events) {
    const started = e.activityTaskStartedEventAttributes;
    if (!started?.lastFailure?.timeoutFailureInfo) continue;
    const type = types.get(String(started.scheduledEventId)) ?? 'unknown';
    // The history keeps the last attempt only, so this counts activities, not every attempt.
    counts[type] = (counts[type] ?? 0) + 1;
  }
  return counts;
}
