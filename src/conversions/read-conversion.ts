import {
  ApplicationFailure,
  CancelledFailure,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
import type { StatusCache } from './status-cache';
import { convertToWav, statusQuery, AudioIdAttribute, WavTaskIdAttribute, PhaseAttribute, PHASES, type ConversionResult, type ConversionStatus, type Phase } from '../workflows';

/**
 * Reading a conversion the way the API and `wavflow status` do, so that it answers without a
 * worker: a closed conversion from Temporal's own records (describe and the close event), a
 * running one from its `status` query under a short deadline, and when no worker can answer,
 * from describe alone (phase and ids) with the reason.
 */

/** What is known of a conversion. Every field of ConversionStatus when the workflow answered its query. */
export type ConversionView = Partial<ConversionStatus> & {
  conversionId: string;
  phase: Phase;
  runId: string;
  /** Temporal's view of the run: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT. */
  workflowStatus: string;
  /** When Temporal closed the run. */
  closedAt?: string;
  /** While the download runs: its last heartbeat. */
  download?: DownloadProgress;
  /**
   * `query`: the workflow's own status (as of `queriedAt`). `temporal`: what Temporal records
   * without asking the workflow (a closed conversion, or a running one no worker answered for):
   * phase, ids, times, and the result or failure.
   */
  source: 'query' | 'temporal';
  queriedAt?: string;
};

export interface DownloadProgress {
  /** Bytes in the file so far. */
  bytes: number;
  /** The whole file's size, when the file host said. */
  total?: number | undefined;
  attempt: number;
}

/** Why a running conversion's view is only Temporal's records: nobody answered its status query. */
export interface Unanswered {
  /** The conversion's task queue, where no worker answered. */
  taskQueue: string;
  reason: 'no-pollers' | 'timeout';
  detail: string;
}

export interface ConversionRead {
  view: ConversionView;
  /** Set when a running conversion's query got no answer; `view` is then what Temporal records. */
  unanswered?: Unanswered;
}

export interface ReadOptions {
  /** How long a running conversion's status query may take before the read says no worker answered. */
  queryTimeoutMs?: number;
  /** Reuses a query answer while the conversion is in the same phase (see StatusCache). */
  cache?: StatusCache | undefined;
  /** With `cache`: an answer older than this is not reused once the history has grown. */
  maxAgeMs?: number | undefined;
  /** Query even when the cache holds a good answer. */
  fresh?: boolean;
}

export const DEFAULT_QUERY_TIMEOUT_MS = 5_000;

/**
 * A worker's pollers wait up to about a minute on the server, and the server lists a poller from
 * its last poll for minutes after it stopped: one seen this recently may still be alive.
 */
const LIVE_POLLER_MS = 90_000;

const CLOSED_PHASES: Partial<Record<string, Phase>> = { COMPLETED: 'completed', FAILED: 'failed', CANCELLED: 'cancelled', TERMINATED: 'failed', TIMED_OUT: 'failed' };

/** The conversion as the API and `wavflow status` show it, or undefined when it does not exist. */
export async function readConversion(client: Client, conversionId: string, options: ReadOptions = {}): Promise<ConversionRead | undefined> {
  const description = await describeConversion(client, conversionId);
  if (!description) return undefined;
  const recorded = recordedView(description);
  if (CLOSED_PHASES[recorded.workflowStatus]) return { view: await withOutcome(client, recorded) };

  const download = recorded.phase === 'downloading' ? downloadProgress(client, description) : undefined;
  const key = { runId: description.runId, phase: recorded.phase, historyLength: description.historyLength };
  const fromQuery = (status: ConversionStatus, queriedAtMs: number): ConversionRead => ({
    view: {
      ...status,
      runId: description.runId,
      workflowStatus: recorded.workflowStatus,
      ...(download ? { download } : {}),
      source: 'query',
      queriedAt: new Date(queriedAtMs).toISOString(),
    },
  });
  const cached = options.fresh ? undefined : options.cache?.get(conversionId, key, options.maxAgeMs);
  if (cached) return fromQuery(cached.status, cached.queriedAtMs);

  const partial = (unanswered: Unanswered): ConversionRead => ({ view: { ...recorded, ...(download ? { download } : {}) }, unanswered });
  const taskQueue = description.taskQueue;
  if (!(await hasLivePoller(client, taskQueue))) {
    return partial({ taskQueue, reason: 'no-pollers', detail: `no worker is polling task queue "${taskQueue}", so the conversion cannot report its status (nor make progress)` });
  }
  const timeoutMs = options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  const status = await queryWithin(client, conversionId, timeoutMs);
  if (!status) return partial({ taskQueue, reason: 'timeout', detail: `no worker of task queue "${taskQueue}" answered the status query within ${timeoutMs / 1000} s` });
  const queriedAtMs = Date.now();
  // One time for this answer and every later one from the cache: they are the same answer.
  options.cache?.set(conversionId, key, status, queriedAtMs);
  return fromQuery(status, queriedAtMs);
}

/**
 * The status query, or undefined when no answer came within `timeoutMs`. The clock is ours: a
 * gRPC deadline ends the call on one connection as DEADLINE_EXCEEDED and on a worker's
 * NativeConnection as CANCELLED ("Timeout expired"), so the call's own deadline, a second later,
 * only cleans up.
 */
async function queryWithin(client: Client, conversionId: string, timeoutMs: number): Promise<ConversionStatus | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, timeoutMs, undefined)));
  const answer = client.connection.withDeadline(Date.now() + timeoutMs + 1_000, () => client.workflow.getHandle(conversionId).query(statusQuery));
  try {
    return await Promise.race([answer, expired]);
  } finally {
    clearTimeout(timer);
  }
}

export async function describeConversion(client: Client, conversionId: string): Promise<WorkflowExecutionDescription | undefined> {
  return client.workflow
    .getHandle(conversionId)
    .describe()
    .catch((err: unknown) => {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    });
}

/** Closed or not: what describe (the run and its search attributes) says, with no worker involved. */
function recordedView(description: WorkflowExecutionDescription): ConversionView {
  const attributes = description.typedSearchAttributes;
  const workflowStatus = description.status.name;
  const recordedPhase = attributes.get(PhaseAttribute);
  const phase = CLOSED_PHASES[workflowStatus] ?? (isPhase(recordedPhase) ? recordedPhase : 'submitting');
  const audioId = attributes.get(AudioIdAttribute);
  const wavTaskId = attributes.get(WavTaskIdAttribute);
  return {
    conversionId: description.workflowId,
    phase,
    runId: description.runId,
    workflowStatus,
    ...(audioId ? { audioId } : {}),
    ...(wavTaskId ? { wavTaskId } : {}),
    startedAt: description.startTime.toISOString(),
    ...(description.closeTime ? { closedAt: description.closeTime.toISOString() } : {}),
    source: 'temporal',
  };
}

/** A closed conversion's result or failure, from its close event (one history read). */
async function withOutcome(client: Client, view: ConversionView): Promise<ConversionView> {
  try {
    const result: ConversionResult = await client.workflow.getHandle<typeof convertToWav>(view.conversionId, view.runId).result();
    return { ...view, wavTaskId: result.wavTaskId, answeredBy: result.answeredBy, ...(view.closedAt ? { completedAt: view.closedAt } : {}), result };
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    return { ...view, failure: failureFromError(err, view.workflowStatus) };
  }
}

/** Any poller of the workflow task queue recent enough to be alive (DescribeTaskQueue lists them). */
async function hasLivePoller(client: Client, taskQueue: string): Promise<boolean> {
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: WORKFLOW_TASK_QUEUE,
  });
  return (pollers ?? []).some((p) => Date.now() - millis(p.lastAccessTime) < LIVE_POLLER_MS);
}

const WORKFLOW_TASK_QUEUE = 1;
const millis = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);
export const isPhase = (value: unknown): value is Phase => (PHASES as readonly unknown[]).includes(value);

/**
 * The workflow never sees its activity's heartbeats, so byte progress is not in the status query;
 * the server keeps the last heartbeat of the pending download, and that is what is read here.
 */
export function downloadProgress(client: Client, description: WorkflowExecutionDescription): DownloadProgress | undefined {
  const pending = description.raw.pendingActivities?.find((a) => a.activityType?.name === 'downloadWav');
  const payload = pending?.heartbeatDetails?.payloads?.[0];
  if (!pending || !payload) return undefined;
  const details = client.options.loadedDataConverter.payloadConverter.fromPayload<{ bytes?: unknown; total?: unknown }>(payload);
  if (typeof details?.bytes !== 'number') return undefined;
  return { bytes: details.bytes, total: typeof details.total === 'number' ? details.total : undefined, attempt: pending.attempt ?? 1 };
}

/** What a conversion's result() threw, as a failure type and message (`Cancelled` for a cancel). */
export function failureFromError(err: unknown, fallbackType = 'Failed'): { type: string; message: string } {
  const cause = err instanceof WorkflowFailedError ? err.cause : undefined;
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'Failed', message: cause.message };
  if (cause instanceof CancelledFailure) return { type: 'Cancelled', message: 'the conversion was cancelled' };
  return { type: fallbackType, message: err instanceof Error ? err.message : String(err) };
}
