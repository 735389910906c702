import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { getConversion, waitForConversion } from '../../src/client';
import { Metrics } from '../../src/metrics';
import type { Scenario } from '../../src/sandbox';
import { waitFor } from '../support/wait-for';
import { startStack, uniqueId, type TestStack } from '../support/stack';
import { conversionSinks } from '../../src/worker';

/**
 * Workflow code must replay every history it ever wrote, or running conversions break on deploy.
 * Histories of each kind of run are kept in test/fixtures/histories (rewrite them with
 * WAVFLOW_RECORD_HISTORIES=1 only when a change is meant to be incompatible, with a patch).
 */
const fixtures = resolve(__dirname, '../fixtures/histories');
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
  const histories = Object.entries(runs).map(([workflowId, history]) => ({ workflowId, history }));
  await expectAllReplay(histories);
  if (process.env.WAVFLOW_RECORD_HISTORIES === '1') {
    for (const { workflowId, history } of histories) await writeFile(join(fixtures, `${workflowId}.json`), historyToJSON(history));
  }
});

/** Replays with the production worker's sinks: they must not count anything again. */
async function expectAllReplay(histories: Array<{ workflowId: string; history: unknown }>) {
  const failures: string[] = [];
  const metrics = new Metrics();
  for await (const result of Worker.runReplayHistories({ ...bundle(), sinks: conversionSinks(metrics) }, histories)) {
    if (result.error) failures.push(`${result.workflowId}: ${String(result.error)}`);
  }
  expect(failures).toEqual([]);
  const counted = await Promise.all([metrics.conversions, metrics.callbacks].map(async (metric) => (await metric.get()).values.length));
  expect(counted).toEqual([0, 0]);
}

test('recorded histories from earlier versions still replay', async () => {
  const files = (await readdir(fixtures)).filter((f) => f.endsWith('.json'));
  expect(files.length).toBeGreaterThanOrEqual(8);
  const histories = await Promise.all(
    files.map(async (file) => ({ workflowId: file, history: JSON.parse(await readFile(join(fixtures, file), 'utf8')) as unknown })),
  );
  await expectAllReplay(histories);
});
