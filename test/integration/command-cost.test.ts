import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { commandsOf } from '../support/histories/commands';
import { readReleaseHistories } from '../support/histories/releases';
import { playScenario, ScenarioHarness, scenarios } from '../support/scenarios';

/**
 * What one conversion costs in history events, commands and the billable actions a history shows
 * (Temporal Cloud's list: starts, signals, activities, timers, search-attribute upserts; patch
 * markers' TemporalChangeVersion upserts are exempt; heartbeats and queries are not in a history).
 * The same scenario, played on this code now and frozen from release 0.1.0, measured in one run.
 *
 * Measured (0.1.0 → now):
 *
 *   path                          events    commands   actions
 *   answered by callback          33 → 33   10 → 10    10 → 8
 *   answered by poll (2 polls)    43 → 43   11 → 11    11 → 9
 *   failed by callback (451)      20 → 26    7 → 8      7 → 6
 *
 * Now, per run: a patch marker and its TemporalChangeVersion upsert (+2 events, +2 commands, no
 * action); the task id and the waiting phase in one upsert (-1 each); no upsert of the closing
 * phase, which Temporal's execution status says (-1 each). A failure callback is confirmed by
 * record-info (+1 activity, 6 events). A buffered callback already started no timer on 0.1.0
 * (the SDK drops a timer started and cancelled in one workflow task).
 */
type History = temporal.api.history.v1.IHistory;
const EventType = temporal.api.enums.v1.EventType;

interface Cost {
  events: number;
  commands: number;
  actions: number;
}

function costOf(history: unknown): Cost {
  const h = toHistory(history);
  const events = h.events ?? [];
  const is = (type: temporal.api.enums.v1.EventType) => events.filter((e) => e.eventType === type).length;
  const upserts = events.filter(
    (e) =>
      e.eventType === EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES &&
      Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}).some((name) => name !== 'TemporalChangeVersion'),
  ).length;
  const actions =
    is(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED) +
    is(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED) +
    is(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) +
    is(EventType.EVENT_TYPE_TIMER_STARTED) +
    upserts;
  return { events: events.length, commands: commandsOf(h).length, actions };
}

function toHistory(history: unknown): History {
  const first = (history as History)?.events?.[0] as { eventType?: unknown } | undefined;
  return first && typeof first.eventType === 'number' ? (history as History) : historyFromJSON(history);
}

let harness: ScenarioHarness;
let released: ReadonlyMap<string, unknown>;
beforeAll(async () => {
  harness = await ScenarioHarness.start({
    address: process.env.WAVFLOW_TEST_TEMPORAL_ADDRESS as string,
    workflowBundlePath: process.env.WAVFLOW_TEST_WORKFLOW_BUNDLE as string,
  });
  released = await readReleaseHistories('0.1.0');
});
afterAll(async () => {
  await harness?.stop();
});

async function measure(name: string): Promise<{ before: Cost; now: Cost }> {
  const scenario = scenarios.find((s) => s.name === name);
  if (!scenario) throw new Error(`no scenario ${name}`);
  const played = await playScenario(harness, scenario);
  expect(played.histories).toHaveLength(1);
  return { before: costOf(released.get(`${name}.json`)), now: costOf(played.histories[0]) };
}

test.each([
  // [scenario, 0.1.0, now]
  ['answered-by-callback', { events: 33, commands: 10, actions: 10 }, { events: 33, commands: 10, actions: 8 }],
  ['answered-by-poll', { events: 43, commands: 11, actions: 11 }, { events: 43, commands: 11, actions: 9 }],
  ['failed-callback-SourceDownloadFailed', { events: 20, commands: 7, actions: 7 }, { events: 26, commands: 8, actions: 6 }],
])('%s: events, commands and actions per conversion, 0.1.0 and now', async (name, before, now) => {
  expect(await measure(name)).toEqual({ before, now });
});

test('a callback-path conversion takes at most 0.8 times the actions it took on 0.1.0', async () => {
  const { before, now } = await measure('answered-by-callback');
  expect(now.actions).toBeLessThanOrEqual(0.8 * before.actions);
});
