import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from '@temporalio/worker';
import { getConversion, waitForConversion } from '../../src/conversions';
import { Metrics } from '../../src/metrics';
import type { Scenario } from '../../src/sandbox';
import { conversionSinks } from '../../src/app';
import { listReleases, readReleaseHistories } from '../support/histories/releases';
import { retiredReleases } from '../support/histories/release-notes';
import { startStack, uniqueId, type TestStack } from '../support/stack';
import { waitFor } from '../support/wait-for';

/**
 * Workflow code must replay every history it ever wrote, or running conversions break on deploy.
 * test/fixtures/histories/<release>/ holds one frozen history per path of each release (recorded
 * by `npm run record:histories`, never rewritten); every one of them must replay on this code.
 */
const bundle = () => ({ workflowBundle: { codePath: process.env.WAVFLOW_TEST_WORKFLOW_BUNDLE as string } });

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

async function runAndFetch(name: string, scenario: Scenario, pollIntervalSeconds: number, cancelWhen?: string) {
  const audioId = uniqueId(name);
  stack.sandbox.setScenario(audioId, scenario);
  const { conversionId } = await stack.start({ audioId, pollIntervalSeconds });
  if (cancelWhen) {
    await waitFor(cancelWhen, async () => (await getConversion(stack.client, conversionId))?.phase === cancelWhen);
    await stack.client.workflow.getHandle(conversionId).cancel();
  }
  await waitForConversion(stack.client, conversionId).catch(() => undefined);
  return stack.client.workflow.getHandle(conversionId).fetchHistory();
}

test('fresh histories of every kind of run replay without nondeterminism', async () => {
  const runs = {
    'by-callback': await runAndFetch('replay-callback', {}, 600),
    'by-poll': await runAndFetch('replay-poll', { callback: 'drop' }, 5),
    duplicates: await runAndFetch('replay-duplicates', { callbackCopies: 3 }, 600),
    'early-callback': await runAndFetch('replay-early', { callbackBeforeSubmitResponse: true }, 600),
    'failed-451': await runAndFetch('replay-451', { failure: { state: 'GENERATE_WAV_FAILED', callbackCode: 451 } }, 600),
    'expired-url': await runAndFetch('replay-expired', { expiredUrls: 3 }, 600),
    malformed: await runAndFetch('replay-malformed', { malformedCallback: true }, 5),
    'cancelled-download': await runAndFetch('replay-cancel', { wavSeconds: 2, throttleBytesPerSecond: 64 * 1024 }, 600, 'downloading'),
  };
  expect(await replayFailures(Object.entries(runs).map(([workflowId, history]) => ({ workflowId, history })))).toEqual([]);
});

describe('frozen histories of every release replay on this code', () => {
  const releases = listReleases();
  // Only a release declared "Pinned-only:" in CHANGELOG.md retires older folders (their
  // conversions finish on their own builds); the test then names the declaration instead.
  const retired = retiredReleases(readFileSync(resolve(__dirname, '../../CHANGELOG.md'), 'utf8'), releases);

  test('the releases are all there, with the path commit 074a26f broke among the frozen ones', () => {
    expect(releases).toEqual(expect.arrayContaining(['pre-0.1.0', '0.1.0']));
  });

  test.each(releases)('%s', async (release) => {
    if (retired.has(release)) {
      expect(retired.get(release)).toMatch(/pinned-only: \S/);
      return;
    }
    const histories = await readReleaseHistories(release);
    expect(histories.size).toBeGreaterThan(0);
    if (release === '0.1.0') expect([...histories.keys()]).toContain('second-callback-during-confirmation.json');
    expect(await replayFailures([...histories].map(([file, history]) => ({ workflowId: `${release}/${file}`, history })))).toEqual([]);
  });
});

test('a changed command fails replay: the history from before 074a26f does not replay on this code', async () => {
  const knownBreaks = resolve(__dirname, '../fixtures/known-breaks');
  const histories = await readReleaseHistories('before-074a26f', knownBreaks);
  const failures = await replayFailures([...histories].map(([file, history]) => ({ workflowId: join('before-074a26f', file), history })));
  expect(failures).toEqual([expect.stringMatching(/second-callback-during-confirmation.*(TMPRL1100|[Nn]ondeterminism)/s)]);
});

/**
 * Replays with the production worker's sinks: nothing may be counted again. Returns one line per
 * history that did not replay.
 */
async function replayFailures(histories: Array<{ workflowId: string; history: unknown }>): Promise<string[]> {
  const failures: string[] = [];
  const metrics = new Metrics();
  for await (const result of Worker.runReplayHistories({ ...bundle(), sinks: conversionSinks(metrics) }, histories)) {
    if (result.error) failures.push(`${result.workflowId}: ${String(result.error)}`);
  }
  const counted = await Promise.all([metrics.conversions, metrics.callbacks].map(async (metric) => (await metric.get()).values.length));
  expect(counted).toEqual([0, 0]);
  return failures;
}
