import { isGrpcServiceError, type Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import { describeConversion, downloadProgress, isPhase, type DownloadProgress } from './read-conversion';
import { convertToWav, WavTaskIdAttribute, PhaseAttribute, type ConversionResult, type Phase } from '../workflows';

/**
 * Following a conversion to its end without asking the workflow anything: its phases are
 * search-attribute upserts in its history, which a long poll of that history delivers as they
 * are written (no query, no worker), and the result is its close event. Only a running download's
 * progress needs more: the last heartbeat, which describe reads.
 *
 * The cost follows what the conversion does, not how long it takes: a history read per burst of
 * history events (a poll cycle, a phase) and one per idle long poll (the server ends those after
 * about 20 s), where reading the `status` query every 500 ms cost two queries a second.
 */

export interface PhaseChange {
  phase: Phase;
  runId: string;
  /** The provider's WAV task id, once submit returned it. */
  wavTaskId?: string | undefined;
}

export interface WatchOptions {
  /** Called with the download's progress while it runs (read with describe, every `progressIntervalMs`). */
  onDownload?: ((progress: DownloadProgress) => void) | undefined;
  /** Heartbeats reach the server about once a second (the worker's throttle); reading more often sees nothing new. */
  progressIntervalMs?: number;
  /**
   * After a read that returned events, wait this long before the next: a poll cycle writes a burst
   * of events over a few milliseconds, and one read after the burst costs less than one per event.
   */
  settleMs?: number;
}

/**
 * Calls `onPhase` for every phase the conversion enters until it closes, then returns its result
 * or throws its failure (as `handle.result()` does).
 */
export async function watchConversion(
  client: Client,
  conversionId: string,
  onPhase: (phase: Phase, change: PhaseChange) => void,
  { onDownload, progressIntervalMs = 1_000, settleMs = 250 }: WatchOptions = {},
): Promise<ConversionResult> {
  const description = await describeConversion(client, conversionId);
  // Not found: result() throws the SDK's WorkflowNotFoundError, as it always did.
  if (!description) return client.workflow.getHandle<typeof convertToWav>(conversionId).result();

  const progress = onDownload ? downloadWatcher(client, conversionId, onDownload, progressIntervalMs) : undefined;
  let last: Phase | undefined;
  let wavTaskId: string | undefined;
  const enter = (phase: Phase, runId: string) => {
    if (phase === last) return;
    last = phase;
    if (phase === 'downloading') progress?.start();
    else progress?.stop();
    onPhase(phase, { phase, runId, wavTaskId });
  };
  try {
    for await (const { runId, event } of historyEvents(client, conversionId, description.runId, settleMs)) {
      const attributes = searchAttributesOf(event);
      if (attributes) {
        wavTaskId = attributes.get(WavTaskIdAttribute) ?? wavTaskId;
        const phase = attributes.get(PhaseAttribute);
        // A run started without wavflow's search attributes (another client) still starts by submitting.
        if (isPhase(phase)) enter(phase, runId);
        else if (!last && event.workflowExecutionStartedEventAttributes) enter('submitting', runId);
      }
      const closing = closingPhase(event);
      if (closing) {
        progress?.stop();
        // The workflow enters its last phase itself; a terminated or timed-out run never did.
        if (last !== 'completed' && last !== 'failed' && last !== 'cancelled') enter(closing, runId);
        return await client.workflow.getHandle<typeof convertToWav>(conversionId, runId).result();
      }
    }
    throw new Error(`the history of ${conversionId} ended without a close event`);
  } finally {
    progress?.stop();
  }
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/**
 * Every event of the conversion's runs, in order, following continue-as-new, as the server writes
 * them: each read long-polls until there are new events.
 */
async function* historyEvents(client: Client, workflowId: string, firstRunId: string, settleMs: number): AsyncGenerator<{ runId: string; event: HistoryEvent }> {
  let runId = firstRunId;
  let nextPageToken: Uint8Array | undefined;
  let failingSince: number | undefined;
  for (;;) {
    let events: HistoryEvent[];
    try {
      const response = await client.workflowService.getWorkflowExecutionHistory({
        namespace: client.options.namespace,
        execution: { workflowId, runId },
        waitNewEvent: true,
        skipArchival: true,
        nextPageToken,
      });
      events = response.history?.events ?? [];
      nextPageToken = response.nextPageToken?.length ? response.nextPageToken : undefined;
      failingSince = undefined;
    } catch (err) {
      // Temporal unreachable for a moment (a restart): read again from the same place, for a while.
      failingSince ??= Date.now();
      if (!isGrpcServiceError(err) || !RETRIED_CODES.includes(Number(err.code)) || Date.now() - failingSince > UNREACHABLE_FOR_MS) throw err;
      await sleep(1_000);
      continue;
    }
    for (const event of events) {
      yield { runId, event };
      const next = event.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
      if (next) {
        runId = next;
        nextPageToken = undefined;
      }
    }
    if (events.length) await sleep(settleMs);
  }
}

/** gRPC UNAVAILABLE and DEADLINE_EXCEEDED. */
const RETRIED_CODES = [14, 4];
/** How long Temporal may stay unreachable before the watch gives up. */
const UNREACHABLE_FOR_MS = 60_000;

/** The search attributes a run starts with, or an upsert sets; undefined for other events. */
function searchAttributesOf(event: HistoryEvent) {
  const started = event.workflowExecutionStartedEventAttributes;
  const fields = started ? started.searchAttributes?.indexedFields : event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
  return started || fields ? decodeTypedSearchAttributes(fields) : undefined;
}

/** The phase a close event ends in; undefined for any other event (continue-as-new included). */
function closingPhase(event: HistoryEvent): Phase | undefined {
  if (event.workflowExecutionCompletedEventAttributes) return 'completed';
  if (event.workflowExecutionCanceledEventAttributes) return 'cancelled';
  if (event.workflowExecutionFailedEventAttributes || event.workflowExecutionTerminatedEventAttributes || event.workflowExecutionTimedOutEventAttributes) return 'failed';
  return undefined;
}

/** Reads the pending download's last heartbeat every `intervalMs` while started. */
function downloadWatcher(client: Client, conversionId: string, report: (progress: DownloadProgress) => void, intervalMs: number) {
  let timer: NodeJS.Timeout | undefined;
  // A read still in flight when stopped must not schedule another.
  let generation = 0;
  let seen = -1;
  const tick = async (mine: number) => {
    const description = await describeConversion(client, conversionId).catch(() => undefined);
    if (mine !== generation) return;
    const progress = description && downloadProgress(client, description);
    if (progress && progress.bytes !== seen) {
      seen = progress.bytes;
      report(progress);
    }
    timer = setTimeout(() => void tick(mine), intervalMs);
  };
  return {
    start() {
      if (timer === undefined) timer = setTimeout(() => void tick(generation), 0);
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
      generation++;
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
