import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { waitForConversion } from '../../src/conversions';
import { PhaseAttribute } from '../../src/workflows';
import { startStack, uniqueId, type TestStack } from '../support/stack';
import { waitFor } from '../support/wait-for';

/**
 * Status without a worker: conversions that ended while a worker ran, read after it stopped, and
 * running ones whose task queue nobody polls (a stopped worker, or a typo in the queue's name).
 * Through the API and the built CLI, as a user would.
 */
const cliPath = resolve(__dirname, '../../dist/cli.js');

let stack: TestStack;
let completed: { conversionId: string; sha256: string };
let failed: string;
let cancelled: string;
let stranded: string;
let typoQueue: string;
let typo: string;

beforeAll(async () => {
  stack = await startStack();
  const ok = await stack.start({ audioId: uniqueId('nw-ok'), pollIntervalSeconds: 600 });
  const failing = uniqueId('nw-fail');
  stack.sandbox.setScenario(failing, { failure: { state: 'GENERATE_WAV_FAILED', callbackCode: 400, msg: 'unsupported source format' } });
  const bad = await stack.start({ audioId: failing, pollIntervalSeconds: 600 });
  const waiting = uniqueId('nw-cancel');
  stack.sandbox.setScenario(waiting, { callback: 'drop', conversionDelayMs: 600_000 });
  const toCancel = await stack.start({ audioId: waiting, pollIntervalSeconds: 600 });
  // Left waiting for the provider when the worker stops.
  const strandedId = uniqueId('nw-stranded');
  stack.sandbox.setScenario(strandedId, { callback: 'drop', conversionDelayMs: 600_000 });
  const left = await stack.start({ audioId: strandedId, pollIntervalSeconds: 600 });

  const result = await waitForConversion(stack.client, ok.conversionId);
  await waitForConversion(stack.client, bad.conversionId).catch(() => undefined);
  await waitFor('the submit of the stranded conversion', async () => (await stack.client.workflow.getHandle(left.conversionId).describe()).typedSearchAttributes.get(PhaseAttribute) === 'waiting');
  await stack.client.workflow.getHandle(toCancel.conversionId).cancel();
  await waitForConversion(stack.client, toCancel.conversionId).catch(() => undefined);
  await stack.stopWorker();

  completed = { conversionId: ok.conversionId, sha256: result.sha256 };
  failed = bad.conversionId;
  cancelled = toCancel.conversionId;
  stranded = left.conversionId;
  typoQueue = `nobody-polls-${randomUUID().slice(0, 8)}`;
  typo = (await stack.start({ audioId: uniqueId('nw-typo') }, { taskQueue: typoQueue })).conversionId;
});
afterAll(async () => {
  for (const id of [stranded, typo]) await stack?.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
  await stack?.stop();
});

const get = (id: string) => fetch(`${stack.server.url}/v1/conversions/${id}`);

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [cliPath, ...args],
      { env: { ...process.env, TEMPORAL_ADDRESS: process.env.WAVFLOW_TEST_TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE: stack.taskQueue } },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('GET /v1/conversions/:id with no worker', () => {
  test('a completed conversion answers 200 with its result, from Temporal', async () => {
    const response = await get(completed.conversionId);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      conversionId: completed.conversionId,
      phase: 'completed',
      workflowStatus: 'COMPLETED',
      answeredBy: 'callback',
      result: { sha256: completed.sha256 },
      source: 'temporal',
    });
  });

  test('a failed conversion answers 200 with its failure type and message', async () => {
    const response = await get(failed);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ phase: 'failed', workflowStatus: 'FAILED', failure: { type: 'SourceRejected', message: 'unsupported source format' } });
  });

  test('a cancelled conversion answers 200, cancelled', async () => {
    const response = await get(cancelled);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ phase: 'cancelled', workflowStatus: 'CANCELLED' });
  });

  test('a running conversion whose task queue nobody polls is 503 naming the queue, with its phase and ids', async () => {
    const response = await get(typo);
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await response.json()) as { detail: string; taskQueue: string; conversion: Record<string, unknown> };
    expect(body.detail).toContain(typoQueue);
    expect(body).toMatchObject({ taskQueue: typoQueue, reason: 'no-pollers' });
    expect(body.conversion).toMatchObject({ conversionId: typo, phase: 'submitting', workflowStatus: 'RUNNING', runId: expect.any(String) as string, source: 'temporal' });
    expect(body.conversion.audioId).toMatch(/^nw-typo-/);
  });

  test('a running conversion whose worker stopped is 503 naming the queue, with the phase Temporal recorded', async () => {
    const response = await get(stranded);
    expect(response.status).toBe(503);
    const body = (await response.json()) as { taskQueue: string; conversion: Record<string, unknown> };
    expect(body.taskQueue).toBe(stack.taskQueue);
    expect(body.conversion).toMatchObject({ conversionId: stranded, phase: 'waiting', wavTaskId: expect.any(String) as string });
  });
});

describe('wavflow status with no worker', () => {
  test('completed: exit 0 and its file; failed: exit 1 and its failure; cancelled: exit 1', async () => {
    const ok = await cli(['status', completed.conversionId]);
    const bad = await cli(['status', failed, '--json']);
    const gone = await cli(['status', cancelled, '--json']);

    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^phase {8}completed$/m);
    expect(ok.stdout).toContain(`sha256 ${completed.sha256}`);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ phase: 'failed', failure: { type: 'SourceRejected' } });
    expect(gone.code).toBe(1);
    expect(JSON.parse(gone.stdout)).toMatchObject({ phase: 'cancelled' });
  });

  test('running, nobody polling: exit 4, the phase on stdout and the queue named on stderr', async () => {
    const text = await cli(['status', typo]);
    const json = await cli(['status', typo, '--json']);

    expect(text.code).toBe(4);
    expect(text.stdout).toMatch(/^phase {8}submitting$/m);
    expect(text.stderr).toContain(`task queue "${typoQueue}"`);
    expect(json.code).toBe(4);
    expect(JSON.parse(json.stdout)).toMatchObject({ conversionId: typo, phase: 'submitting', unanswered: { taskQueue: typoQueue, reason: 'no-pollers' } });
  });
});
