import { randomUUID, createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { waitForConversion } from '../../src/conversions';
import { freePort } from '../../src/local-servers';
import { s3Environment, testS3Store, uploadsUnder } from '../support/s3';
import { startStack, uniqueId, type TestStack } from '../support/stack';
import { waitFor } from '../support/wait-for';
import { startWavflow, type WavflowProcess } from '../support/wavflow-process';

/**
 * Downloads in `wavflow worker` processes: one SIGKILLed in the middle of a file and another
 * resuming it, into each store; and, on the S3 store, two workers on "two hosts" (a local
 * directory each) and one API process that serves every file whichever worker downloaded it.
 */
jest.setTimeout(180_000);

const processes: WavflowProcess[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `wavflow-${label}-`));
  dirs.push(dir);
  return dir;
}

/** The environment every wavflow process of a test shares: Temporal, the stack's sandbox and receiver. */
function baseEnvironment(stack: TestStack, taskQueue: string): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: process.env.WAVFLOW_TEST_TEMPORAL_ADDRESS ?? '',
    TEMPORAL_TASK_QUEUE: taskQueue,
    PROVIDER_BASE_URL: stack.sandbox.url,
    SANDBOX_API_KEY: stack.sandbox.apiKey,
    PUBLIC_BASE_URL: stack.server.url,
    CALLBACK_SECRET: stack.callbackSecret,
    PROVIDER_RATE_LIMIT_PER_SECOND: '100',
  };
}

describe.each(['file', 's3'] as const)('into the %s store', (storeKind) => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({}, {}, { store: storeKind });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  test('a worker SIGKILLed in the middle of a file: the next one resumes it from what the store holds', async () => {
    const taskQueue = `kill-${randomUUID()}`;
    const s3 = storeKind === 's3' ? testS3Store() : undefined;
    // A file store resumes on the same host: the new worker gets the same directory.
    const storeEnv = s3 ? s3Environment(s3) : { WAV_STORE: `file://${await tempDir('kill-wav')}` };
    const env = { ...baseEnvironment(stack, taskQueue), ...storeEnv };
    const first = startWavflow('worker', env, await tempDir('host-a'));
    processes.push(first);
    await first.logged('worker running');

    const audioId = uniqueId('kill');
    // 12 MB at 2 MB/s: the worker dies past the first 8 MiB part, seconds before the end.
    stack.sandbox.setScenario(audioId, { wavSeconds: 70, throttleBytesPerSecond: 2_000_000 });
    const { conversionId } = await stack.start({ audioId, pollIntervalSeconds: 600 }, { taskQueue, input: { downloadHeartbeatTimeoutMs: 5_000 } });
    const handle = stack.client.workflow.getHandle(conversionId);
    // What a retry will continue from: the store's part of the last heartbeat (S3: a whole part),
    // or enough bytes in the .part file.
    const heartbeat = await waitFor(
      'a heartbeat with durable progress',
      async () => {
        const payload = (await handle.describe()).raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.[0];
        const details = payload ? defaultPayloadConverter.fromPayload<{ bytes: number; store?: unknown }>(payload) : undefined;
        return details && (s3 ? details.store !== undefined : details.bytes > 4_000_000) ? details : undefined;
      },
      60_000,
    );
    await first.kill();

    const second = startWavflow('worker', env, await tempDir('host-b'));
    processes.push(second);
    const result = await waitForConversion(stack.client, conversionId);
    const task = stack.sandbox.task(result.wavTaskId);

    expect(heartbeat.bytes).toBeLessThan(task?.file?.bytes ?? 0);
    expect(result.sha256).toBe(task?.file?.sha256);
    expect(result.attempt).toBeGreaterThanOrEqual(2);
    expect(result.resumedFrom).toBeGreaterThan(0);
    // Refetched: at most what the dead worker had received past its last durable point.
    expect(task?.bytesServed).toBeLessThan(2 * (task?.file?.bytes ?? 0) - result.resumedFrom + 1);
    if (s3) expect(await uploadsUnder(s3)).toEqual([]);
    await second.stop();
  });
});

test('two workers on two hosts and one API process, on the S3 store: every file served with its sha256, whichever worker downloaded it', async () => {
  const stack = await startStack({}, {}, { store: 'file' });
  try {
    const taskQueue = `hosts-${randomUUID()}`;
    const s3 = testS3Store();
    const apiPort = await freePort();
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    // The provider's callbacks go to the API process, as in production.
    const env = { ...baseEnvironment(stack, taskQueue), PUBLIC_BASE_URL: apiUrl, ...s3Environment(s3) };
    const api = startWavflow('server', { ...env, HOST: '127.0.0.1', PORT: String(apiPort) }, await tempDir('api-host'));
    const hostA = startWavflow('worker', env, await tempDir('host-a'));
    processes.push(api, hostA);
    await Promise.all([api.logged('listening'), hostA.logged('worker running')]);

    const convert = async (label: string) => {
      const audioId = uniqueId(label);
      const response = await fetch(`${apiUrl}/v1/conversions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ audioId, conversionId: `${audioId}:x`, pollIntervalSeconds: 600 }) });
      const { conversionId } = (await response.json()) as { conversionId: string };
      return waitForConversion(stack.client, conversionId).then((result) => ({ conversionId, result }));
    };
    // Host A alone downloads the first three; then host B joins and A leaves: B downloads the rest.
    const byA = await Promise.all(['host-a-1', 'host-a-2', 'host-a-3'].map(convert));
    const hostB = startWavflow('worker', env, await tempDir('host-b'));
    processes.push(hostB);
    await hostB.logged('worker running');
    await hostA.stop();
    const byB = await Promise.all(['host-b-1', 'host-b-2', 'host-b-3'].map(convert));

    // Log lines may trail the result by a moment.
    const downloadedBy = (worker: WavflowProcess, conversionId: string) =>
      waitFor(`${conversionId}'s download in its worker's log`, () => worker.lines.some((l) => l.msg === 'wav downloaded' && l.workflowId === conversionId), 10_000);
    for (const { conversionId } of byA) await downloadedBy(hostA, conversionId);
    for (const { conversionId } of byB) await downloadedBy(hostB, conversionId);
    for (const { conversionId, result } of [...byA, ...byB]) {
      const served = await fetch(`${apiUrl}/v1/conversions/${encodeURIComponent(conversionId)}/wav`);
      expect(served.status).toBe(200);
      const sha256 = createHash('sha256').update(Buffer.from(await served.arrayBuffer())).digest('hex');
      expect({ conversionId, sha256 }).toEqual({ conversionId, sha256: stack.sandbox.task(result.wavTaskId)?.file?.sha256 });
    }
  } finally {
    await stack.stop();
  }
});
