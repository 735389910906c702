import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const EventType = temporal.api.enums.v1.EventType;

/**
 * The commands a workflow issued, in order, read back from its history: the events that follow a
 * WorkflowTaskCompleted and that only the workflow's code produces. This is what replay checks a
 * new version against, so two versions whose command sequences match replay each other's histories.
 * Each is written `<EventType>` plus what identifies it: the activity type, the patch id, the
 * search attribute names.
 */
export function commandsOf(history: unknown): string[] {
  const events = toHistory(history).events ?? [];
  return events.map(describeCommand).filter((c): c is string => c !== undefined);
}

function describeCommand(event: HistoryEvent): string | undefined {
  const type = event.eventType ?? 0;
  switch (type) {
    case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
      return `ScheduleActivity ${event.activityTaskScheduledEventAttributes?.activityType?.name ?? '?'}`;
    case EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED:
      return 'RequestCancelActivity';
    case EventType.EVENT_TYPE_TIMER_STARTED:
      return 'StartTimer';
    case EventType.EVENT_TYPE_TIMER_CANCELED:
      return 'CancelTimer';
    case EventType.EVENT_TYPE_MARKER_RECORDED:
      return `RecordMarker ${markerName(event)}`;
    case EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
      const fields = Object.keys(event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}).sort();
      return `UpsertSearchAttributes ${fields.join(',')}`;
    }
    case EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED:
      return 'ModifyWorkflowProperties';
    case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
      return `StartChildWorkflow ${event.startChildWorkflowExecutionInitiatedEventAttributes?.workflowType?.name ?? '?'}`;
    case EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
      return `SignalExternalWorkflow ${event.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName ?? '?'}`;
    case EventType.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
      return 'RequestCancelExternalWorkflow';
    case EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED:
      return 'ScheduleNexusOperation';
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
      return 'CompleteWorkflow';
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
      return 'FailWorkflow';
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
      return 'CancelWorkflow';
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
      return 'ContinueAsNew';
    default:
      return undefined;
  }
}

/** Patch markers carry their id in details["patch-data"]; other markers are named only. */
function markerName(event: HistoryEvent): string {
  const attributes = event.markerRecordedEventAttributes;
  const name = attributes?.markerName ?? '?';
  const patchId = patchIdOf(event);
  return patchId === undefined ? name : `${name} ${patchId}`;
}

/** The patch id of a patch marker (what `patched('<id>')` records), or undefined. */
export function patchIdOf(event: HistoryEvent): string | undefined {
  const attributes = event.markerRecordedEventAttributes;
  if (attributes?.markerName !== 'core_patch') return undefined;
  const data = attributes.details?.['patch-data']?.payloads?.[0]?.data;
  if (!data) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(data).toString('utf8')) as { id?: unknown };
    return typeof parsed.id === 'string' ? parsed.id : undefined;
  } catch {
    return undefined;
  }
}

/** Every patch id recorded in a history. */
export function patchIdsOf(history: unknown): string[] {
  return (toHistory(history).events ?? []).map(patchIdOf).filter((id): id is string => id !== undefined);
}

function toHistory(history: unknown): History {
  const candidate = history as History;
  const first = candidate?.events?.[0] as { eventType?: unknown } | undefined;
  // JSON as written by historyToJSON names event types as strings; protos hold numbers.
  return first && typeof first.eventType === 'number' ? candidate : historyFromJSON(history);
}
