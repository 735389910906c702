import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { waitForConversion } from '../../src/client';
import { startStack, uniqueId, type TestStack } from '../support/stack';

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

async function runAndFetch(name: string, scenario: Parameters<TestStack['sandbox']['setScenario']>[1], pollIntervalSeconds: number) {
  const audioId = uniqueId(name);
  stack.sandbox.setScenario(audioId, scenario);
  const { conversionId } = await stack.start({ audioId, pollIntervalSeconds });
  await waitForConversion(stack.client, conversionId).catch(() => undefined);
  return stack.client.workflow.getHandle(conversionId).fetchHistory();
}

test('fresh histories of every kind of run replay without nondeterminism', async () => {
  const runs = {
    'by-callback': await runAndFetch('replay-callback', {}, 600),
    'by-poll': await runAndFetch('replay-poll', { callback: 'drop' }, 0.2),
    duplicates: await runAndFetch('replay-duplicates', { callbackCopies: 3 }, 600),
    'early-callback': await runAndFetch('replay-early', { callbackBeforeSubmitResponse: true }, 600),
    'failed-451': await runAndFetch('replay-451', { failure: { state: 'GENERATE_WAV_FAILED', callbackCode: 451 } }, 600),
  };
  for (const [name, history] of Object.entries(runs)) {
    await expect(Worker.runReplayHistory(bundle(), history, name)).resolves.toBeUndefined();
    if (process.env.WAVFLOW_RECORD_HISTORIES === '1') await writeFile(join(fixtures, `${name}.json`), historyToJSON(history));
  }
});

test('recorded histories from earlier versions still replay', async () => {
  const files = (await readdir(fixtures)).filter((f) => f.endsWith('.json'));
  expect(files.length).toBeGreaterThanOrEqual(5);
  for (const file of files) {
    const history: unknown = JSON.parse(await readFile(join(fixtures, file), 'utf8'));
    await expect(Worker.runReplayHistory(bundle(), history, file)).resolves.toBeUndefined();
  }
});
