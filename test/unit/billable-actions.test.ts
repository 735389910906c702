import { historyActions, totalActions } from '../../bench/cost/billable-actions';
import { readReleaseHistories } from '../support/histories/releases';

/** The benchmarks' count of billable actions, against Temporal Cloud's published list. */
/** Histories as `historyToJSON` writes them (the frozen ones are in that form too). */
type Event = Record<string, unknown>;
const history = (...events: Event[]) => ({ events: events.map((e, i) => ({ eventId: String(i + 1), ...e })) });
const started = (attempt = 1): Event => ({ eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED', workflowExecutionStartedEventAttributes: { attempt } });
const upsert = (...names: string[]): Event => ({
  eventType: 'EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES',
  upsertWorkflowSearchAttributesEventAttributes: { searchAttributes: { indexedFields: Object.fromEntries(names.map((n) => [n, { metadata: { encoding: 'anNvbi9wbGFpbg==' }, data: 'Ingi' }])) } },
});
const marker = (markerName: string, workflowTaskCompletedEventId: number): Event => ({
  eventType: 'EVENT_TYPE_MARKER_RECORDED',
  markerRecordedEventAttributes: { markerName, workflowTaskCompletedEventId: String(workflowTaskCompletedEventId) },
});
const signalled: Event = { eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED', workflowExecutionSignaledEventAttributes: { signalName: 's' } };

let released: ReadonlyMap<string, unknown>;
beforeAll(async () => {
  released = await readReleaseHistories('0.1.0');
});

test("v0.1.0's callback path: a start, three activities, the poll timer, the signal and four upserts", () => {
  expect(historyActions(released.get('answered-by-callback.json'))).toEqual({ start: 1, activity: 3, timer: 1, signal: 1, upsert: 4 });
});

test('a retried activity counts its retry', () => {
  const counts = historyActions(released.get('download-retried.json'));
  expect(counts.activityRetry).toBe(1);
  expect(totalActions(counts)).toBe(11);
});

test('search attributes at start are free; an upsert counts once however many attributes it sets', () => {
  expect(historyActions(history(started(), upsert('WavProviderTaskId', 'WavStatus'), upsert('WavStatus')))).toEqual({ start: 1, upsert: 2 });
});

test('patches cost nothing: their marker, and an upsert of TemporalChangeVersion alone', () => {
  const counts = historyActions(history(started(), marker('core_patch', 4), upsert('TemporalChangeVersion'), upsert('TemporalChangeVersion', 'WavStatus')));
  expect(counts).toEqual({ start: 1, upsert: 1 });
});

test('side-effect and local-activity markers count once per workflow task', () => {
  expect(historyActions(history(started(), marker('core_local_activity', 4), marker('core_local_activity', 4), marker('core_local_activity', 9))).marker).toBe(2);
});

test('a retried run (workflow retry policy) is not a new start; a signal-with-start signal is billed with its start', () => {
  expect(historyActions(history(started(2)))).toEqual({});
  expect(historyActions(history(started(), signalled, signalled))).toEqual({ start: 1, signal: 1 });
});
