import { resolve } from 'node:path';
import { commandsOf, patchIdsOf } from '../support/histories/commands';
import { firstDifference, formatReport, judgeCommands } from '../support/histories/guard';
import { readReleaseHistories } from '../support/histories/releases';
import { pinnedOnlyDeclaration, retiredReleases } from '../support/histories/release-notes';

/**
 * The guard's judgement on real histories: the race commit 074a26f changed, recorded on the code
 * before it (test/fixtures/known-breaks/before-074a26f) and on v0.1.0 (after it).
 */
const SCENARIO = 'second-callback-during-confirmation.json';
let before: unknown;
let after: unknown;
beforeAll(async () => {
  before = (await readReleaseHistories('before-074a26f', resolve(__dirname, '../fixtures/known-breaks'))).get(SCENARIO);
  after = (await readReleaseHistories('0.1.0')).get(SCENARIO);
});

/** The history with a `patched(id)` marker recorded just before its `index`-th command, as the SDK writes it. */
function withPatchMarker(history: unknown, id: string, beforeCommand: number): unknown {
  const copy = JSON.parse(JSON.stringify(history)) as { events: Array<Record<string, unknown>> };
  const commandEvents = copy.events.filter((e) => commandsOf({ events: [e] }).length === 1);
  const at = copy.events.indexOf(commandEvents[beforeCommand] as Record<string, unknown>);
  const data = Buffer.from(JSON.stringify({ id, deprecated: false })).toString('base64');
  const marker = {
    eventId: '0',
    eventType: 'EVENT_TYPE_MARKER_RECORDED',
    markerRecordedEventAttributes: {
      markerName: 'core_patch',
      details: { 'patch-data': { payloads: [{ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data }] } },
    },
  };
  copy.events.splice(at, 0, marker);
  return copy;
}

test('commit 074a26f, had the guard existed, fails it: the first differing command is named', () => {
  const report = judgeCommands('before-074a26f', new Map([[SCENARIO, before]]), new Map([[SCENARIO, after]]));
  expect(report.unexplained).toEqual([
    { file: SCENARIO, index: 6, released: 'ScheduleActivity pollConversion', current: 'StartTimer', patchedBy: [] },
  ]);
  expect(formatReport(report)).toContain(`${SCENARIO}: command 7 was ScheduleActivity pollConversion in before-074a26f, is StartTimer now`);
});

test('the same change behind a new patched() id passes, and is reported as patched', () => {
  const patched = withPatchMarker(after, 'count-callbacks-during-confirmation', 6);
  expect(patchIdsOf(patched)).toEqual(['count-callbacks-during-confirmation']);
  const report = judgeCommands('before-074a26f', new Map([[SCENARIO, before]]), new Map([[SCENARIO, patched]]));
  expect(report.unexplained).toEqual([]);
  expect(report.changes).toEqual([expect.objectContaining({ patchedBy: ['count-callbacks-during-confirmation'] })]);
});

test('a patch id the release already recorded does not explain a new change', () => {
  const released = withPatchMarker(before, 'old-patch', 0);
  const current = withPatchMarker(after, 'old-patch', 0);
  const report = judgeCommands('x', new Map([[SCENARIO, released]]), new Map([[SCENARIO, current]]));
  expect(report.unexplained).toEqual([expect.objectContaining({ index: 7, patchedBy: [] })]);
});

test('a patch marker after the first difference does not explain it', () => {
  const late = withPatchMarker(after, 'too-late', 8);
  expect(judgeCommands('x', new Map([[SCENARIO, before]]), new Map([[SCENARIO, late]])).unexplained).toHaveLength(1);
});

test('a pinned-only declaration lets a change pass, reported as declared', () => {
  const report = judgeCommands('x', new Map([[SCENARIO, before]]), new Map([[SCENARIO, after]]), 'runs on its own build');
  expect(report.unexplained).toEqual([]);
  expect(formatReport(report)).toContain('declared pinned-only (runs on its own build)');
});

test('identical commands, renamed and new scenarios', () => {
  const report = judgeCommands('x', new Map([[SCENARIO, after], ['gone.json', after]]), new Map([[SCENARIO, after], ['new.json', after]]));
  expect(report).toMatchObject({ unchanged: [SCENARIO], changes: [], missing: ['gone.json'], added: ['new.json'] });
});

test('firstDifference: a longer or shorter sequence differs where the shorter ends', () => {
  expect(firstDifference(['a', 'b'], ['a', 'b'])).toBeUndefined();
  expect(firstDifference(['a'], ['a', 'b'])).toBe(1);
  expect(firstDifference(['a', 'c'], ['a', 'b'])).toBe(1);
});

describe('release notes', () => {
  const notes = (unreleased: string, older = '') => `# Changelog\n\n## Unreleased\n${unreleased}\n## 0.2.0\n${older}\n## 0.1.0\n\nFirst.\n`;

  test('Pinned-only under Unreleased is the coming release\'s declaration', () => {
    expect(pinnedOnlyDeclaration(notes('\n- Pinned-only: the poll moved before the timer\n'))).toBe('the poll moved before the timer');
    expect(pinnedOnlyDeclaration(notes('\nNothing.\n', 'Pinned-only: older'))).toBeUndefined();
  });

  test('releases older than the newest pinned-only one need not replay', () => {
    const releases = ['pre-0.1.0', '0.1.0', '0.2.0'];
    expect([...retiredReleases(notes('\n', 'Pinned-only: new download'), releases).keys()]).toEqual(['pre-0.1.0', '0.1.0']);
    expect([...retiredReleases(notes('Pinned-only: x\n'), releases).keys()]).toEqual(releases);
    expect(retiredReleases(notes('\n'), releases).size).toBe(0);
  });
});
