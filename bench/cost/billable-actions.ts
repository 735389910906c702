import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';

/**
 * The billable actions a workflow history shows, by Temporal Cloud's published list
 * (docs.temporal.io/cloud/actions, read 2026-11-30; see bench/README.md), counted the way the
 * Temporal UI's own estimate counts them:
 *
 * - a run's start (not a retried run's);
 * - each activity scheduled, and each retry (`ActivityTaskStarted.attempt` − 1);
 * - each timer started (a `condition` with a timeout starts one);
 * - each signal received (not the one a signal-with-start carries);
 * - each search-attribute upsert, unless it sets only `TemporalChangeVersion` (patch bookkeeping);
 *   attributes given at start are free;
 * - markers of local activities and side effects, one per workflow task; patch markers are free;
 * - local-activity retries, child starts (two), updates, options updates, Nexus operations.
 *
 * Heartbeats that reach the server and queries are billable too but leave nothing in a history:
 * the benchmark reads those from the server's own `action` metric.
 */

type History = temporal.api.history.v1.IHistory;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const EventType = temporal.api.enums.v1.EventType;

/** Marker names the SDKs write for patches (`core_patch`: Core-based SDKs; `Version`: Go and Java). */
const PATCH_MARKERS = new Set(['core_patch', 'Version']);
/** Bookkeeping of patches in a search attribute; exempt from billing. */
const CHANGE_VERSION = 'TemporalChangeVersion';

export type ActionKind =
  | 'start'
  | 'activity'
  | 'activityRetry'
  | 'timer'
  | 'signal'
  | 'upsert'
  | 'marker'
  | 'localActivityRetry'
  | 'childStart'
  | 'update'
  | 'optionsUpdate'
  | 'nexus'
  | 'reset';

export type ActionCounts = Partial<Record<ActionKind, number>>;

/** The billable actions of one history (one run), by kind. */
export function historyActions(history: unknown): ActionCounts {
  const counts: ActionCounts = {};
  const add = (kind: ActionKind, n = 1) => {
    if (n > 0) counts[kind] = (counts[kind] ?? 0) + n;
  };
  const tasksWithMarkers = new Set<string>();
  for (const event of toHistory(history).events ?? []) {
    switch (event.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        if ((event.workflowExecutionStartedEventAttributes?.attempt ?? 1) <= 1) add('start');
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        add('activity');
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
        add('activityRetry', (event.activityTaskStartedEventAttributes?.attempt ?? 1) - 1);
        break;
      case EventType.EVENT_TYPE_TIMER_STARTED:
        add('timer');
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        // Event 2 is the signal of a signal-with-start, billed with the start.
        if (Number(event.eventId) !== 2) add('signal');
        break;
      case EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
        const fields = Object.keys(event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {});
        if (fields.some((name) => name !== CHANGE_VERSION)) add('upsert');
        break;
      }
      case EventType.EVENT_TYPE_MARKER_RECORDED: {
        const attributes = event.markerRecordedEventAttributes;
        if (PATCH_MARKERS.has(attributes?.markerName ?? '')) break;
        const task = String(attributes?.workflowTaskCompletedEventId ?? event.eventId);
        if (!tasksWithMarkers.has(task)) add('marker');
        tasksWithMarkers.add(task);
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
        add('localActivityRetry', Math.min(100, Number(event.workflowTaskCompletedEventAttributes?.meteringMetadata?.nonfirstLocalActivityExecutionAttempts ?? 0)));
        break;
      case EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
        if (event.workflowTaskFailedEventAttributes?.cause === temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW) add('reset');
        break;
      case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
        add('childStart', 2);
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_REJECTED:
        add('update');
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED:
        add('optionsUpdate');
        break;
      case EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED:
      case EventType.EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUESTED:
        add('nexus');
        break;
      default:
        break;
    }
  }
  return counts;
}

export const totalActions = (counts: ActionCounts) => Object.values(counts).reduce((a, b) => a + (b ?? 0), 0);

/** Adds counts kind by kind. */
export function sumCounts(all: ActionCounts[]): ActionCounts {
  const sum: ActionCounts = {};
  for (const counts of all) for (const [kind, n] of Object.entries(counts) as [ActionKind, number][]) sum[kind] = (sum[kind] ?? 0) + n;
  return sum;
}

/** A history as the SDK returns it (protobuf objects) or as `historyToJSON` writes it. */
function toHistory(history: unknown): History {
  const first: HistoryEvent | undefined = (history as History | undefined)?.events?.[0];
  return first && typeof first.eventType === 'number' ? (history as History) : historyFromJSON(history);
}
