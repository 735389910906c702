import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { getConversion, startConversion, waitForConversion } from '../../src/conversions';
import { callbackSignature } from '../../src/provider';
import type { Scenario } from '../../src/sandbox';
import { sampleSum, scrape, type Sample } from '../support/prometheus';
import { startStack, uniqueId, type TestStack } from '../support/stack';
import { waitFor } from '../support/wait-for';

/**
 * What an operator scrapes: the API's /metrics after conversions that end every way, and a
 * `wavflow worker` process's own metrics port (the SDK's metrics included) and its JSON logs.
 */

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const postCallback = (conversionId: string, body: unknown, sig = callbackSignature(conversionId, stack.callbackSecret)) =>
  fetch(`${stack.server.url}/callbacks/wav/${conversionId}/${sig}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

async function convert(scenario: Scenario, request: { audioId?: string; pollIntervalSeconds?: number } = {}) {
  const audioId = request.audioId ?? uniqueId('metrics');
  stack.sandbox.setScenario(audioId, scenario);
  const { conversionId } = await stack.start({ audioId, pollIntervalSeconds: request.pollIntervalSeconds ?? 600, conversionId: uniqueId('m') });
  return { conversionId, audioId };
}
const settle = (conversionId: string) => waitForConversion(stack.client, conversionId).catch(() => undefined);

test('the API /metrics counts every outcome the conversions went through', async () => {
  // Success by callback, twice more as duplicates; a download cut once and resumed.
  const duplicated = await convert({ callbackCopies: 3, cutAfterFraction: 0.5, wavSeconds: 1 });
  // A failure reported by callback.
  const failed = await convert({ failure: { state: 'GENERATE_WAV_FAILED', callbackCode: 451 } });
  // Refused once (retried), then accepted; and a second conversion of the same source adopts it (409).
  const refused = await convert({ refuseSubmit: [430] });
  await settle(refused.conversionId);
  const adopted = await convert({}, { audioId: refused.audioId, pollIntervalSeconds: 5 });
  // Only polling can answer this one; an authentic but malformed callback arrives first.
  const malformed = await convert({ malformedCallback: true }, { pollIntervalSeconds: 5 });
  // A callback for another task, then a cancel.
  const cancelled = await convert({ callback: 'drop', conversionDelayMs: 60_000 });
  await waitFor('submit', async () => (await getConversion(stack.client, cancelled.conversionId))?.wavTaskId);
  expect((await postCallback(cancelled.conversionId, { code: 200, msg: 'ok', data: { task_id: 'another-task', callbackType: 'complete' } })).status).toBe(200);
  await waitFor('the mismatch counted', async () => (await getConversion(stack.client, cancelled.conversionId))?.callbacks.mismatched);
  await stack.client.workflow.getHandle(cancelled.conversionId).cancel();

  await Promise.all([duplicated, failed, adopted, malformed, cancelled].map((c) => settle(c.conversionId)));
  // Forged, and too late (the conversion is closed).
  expect((await postCallback(duplicated.conversionId, { code: 200, data: { task_id: 'x' } }, 'not-the-signature')).status).toBe(401);
  expect((await postCallback(failed.conversionId, { code: 200, msg: 'late', data: { task_id: 'x', callbackType: 'complete' } })).status).toBe(200);

  // The duplicates are counted by the worker when its workflow ignores them: wait for the last one.
  const samples = await waitFor('every counter', async () => {
    const s = await scrape(`${stack.server.url}/metrics`);
    return sampleSum(s, 'wavflow_callbacks_total', { outcome: 'duplicate' }) >= 2 ? s : undefined;
  });
  const count = (name: string, labels: Record<string, string> = {}) => sampleSum(samples, name, labels);

  const outcomes = ['received', 'forged', 'malformed', 'ignored', 'duplicate', 'mismatched'];
  expect(outcomes.filter((outcome) => count('wavflow_callbacks_total', { outcome }) === 0)).toEqual([]);
  expect(count('wavflow_conversions_total', { outcome: 'completed' })).toBeGreaterThanOrEqual(4);
  expect(count('wavflow_conversions_total', { outcome: 'failed', failure_type: 'SourceDownloadFailed' })).toBe(1);
  expect(count('wavflow_conversions_total', { outcome: 'cancelled' })).toBe(1);
  expect(count('wavflow_submits_total', { code: '200' })).toBeGreaterThanOrEqual(5);
  expect(count('wavflow_submits_total', { code: '430' })).toBe(1);
  expect(count('wavflow_submits_total', { code: '409' })).toBe(1);
  expect(count('wavflow_polls_total', { answer: 'success' })).toBeGreaterThan(0);
  expect(count('wavflow_downloads_resumed_total')).toBe(1);
  expect(count('wavflow_download_duration_seconds_count', { outcome: 'failed' })).toBeGreaterThanOrEqual(1);
  expect(count('wavflow_download_size_bytes_count')).toBeGreaterThanOrEqual(4);
  // Bytes received include the cut attempt's: at least every completed file.
  expect(count('wavflow_download_bytes_total')).toBeGreaterThanOrEqual(count('wavflow_download_size_bytes_sum'));
});

test('/metrics takes the API token when one is set', async () => {
  const guarded = await startStack({}, {}, { apiToken: 'metrics-token-0123456789' });
  try {
    expect((await fetch(`${guarded.server.url}/metrics`)).status).toBe(401);
    const response = await fetch(`${guarded.server.url}/metrics`, { headers: { authorization: 'Bearer metrics-token-0123456789' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('# TYPE wavflow_callbacks_total counter');
  } finally {
    await guarded.stop();
  }
});

describe('wavflow worker', () => {
  let worker: ChildProcess | undefined;
  let outputDir: string;
  const lines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    outputDir = await mkdtemp(join(tmpdir(), 'wavflow-metrics-wav-'));
  });
  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      worker.kill('SIGKILL');
      await new Promise((done) => worker?.once('exit', done));
    }
    await rm(outputDir, { recursive: true, force: true });
  });

  test('serves its own and the SDK metrics, logs JSON with workflow and provider task ids, and stops on SIGTERM', async () => {
    const taskQueue = uniqueId('metrics-worker');
    worker = spawn(process.execPath, [resolve(__dirname, '../../dist/cli.js'), 'worker'], {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: process.env.WAVFLOW_TEST_TEMPORAL_ADDRESS,
        TEMPORAL_TASK_QUEUE: taskQueue,
        WORKER_METRICS_PORT: '0',
        LOG_LEVEL: 'info',
        PROVIDER_BASE_URL: stack.sandbox.url,
        SANDBOX_API_KEY: stack.sandbox.apiKey,
        PUBLIC_BASE_URL: stack.server.url,
        CALLBACK_SECRET: stack.callbackSecret,
        WAV_OUTPUT_DIR: outputDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    createInterface({ input: worker.stdout! }).on('line', (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
    const metricsUrl = await waitFor('the worker to log its metrics URL', () => lines.find((l) => l.msg === 'worker running')?.metrics as string | undefined, 30_000);

    const audioId = uniqueId('worker-metrics');
    const { conversionId } = await startConversion(stack.client, { audioId, pollIntervalSeconds: 600 }, { taskQueue, defaultPollIntervalSeconds: 600, startedBy: 'test' });
    const result = await waitForConversion(stack.client, conversionId);

    const samples: Sample[] = await scrape(metricsUrl);
    expect(sampleSum(samples, 'wavflow_conversions_total', { outcome: 'completed' })).toBe(1);
    expect(sampleSum(samples, 'wavflow_download_size_bytes_sum')).toBe(result.bytes);
    expect(sampleSum(samples, 'wavflow_submits_total', { code: '200' })).toBe(1);
    expect(sampleSum(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    // The Temporal SDK's own, from its runtime's Prometheus exporter.
    expect(samples.some((s) => s.name.startsWith('temporal_') && s.labels.task_queue === taskQueue)).toBe(true);
    expect((await fetch(metricsUrl.replace(/\/metrics$/, '/healthz'))).status).toBe(200);

    // Every line about the conversion names it and, once submitted, the provider's task.
    // Workflow lines reach the log after their activation, so the last one may trail the result.
    const about = await waitFor('the conversion\'s log lines', () => {
      const mine = lines.filter((l) => l.workflowId === conversionId);
      return ['wav downloaded', 'conversion completed'].every((msg) => mine.some((l) => l.msg === msg)) ? mine : undefined;
    });
    expect(about.map((l) => l.msg)).toEqual(expect.arrayContaining(['conversion submitted', 'conversion waiting', 'conversion downloading', 'wav downloaded', 'conversion completed']));
    for (const line of about) expect({ msg: line.msg, wavTaskId: line.wavTaskId }).toEqual({ msg: line.msg, wavTaskId: result.wavTaskId });

    worker.kill('SIGTERM');
    const code = await new Promise<number | null>((done) => worker?.once('exit', done));
    expect(code).toBe(0);
  });
});
