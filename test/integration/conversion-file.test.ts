import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { NativeConnection, Worker } from '@temporalio/worker';
import { getConversion, waitForConversion } from '../../src/conversions';
import { convertToWav, type ConversionStatus } from '../../src/workflows';
import { startStack, uniqueId, type TestStack } from '../support/stack';
import { waitFor } from '../support/wait-for';

/**
 * GET /v1/conversions/:id/wav serves the store's own object for that conversion id: never a path
 * from workflow state, which anyone who can start a workflow through Temporal, or run a worker on
 * its task queue, writes.
 */

const sha256 = (bytes: ArrayBuffer) => createHash('sha256').update(Buffer.from(bytes)).digest('hex');

describe.each(['file', 's3'] as const)('with the %s store', (storeKind) => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({}, {}, { store: storeKind });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  test('a conversion started through Temporal with carried.result.path = /etc/passwd does not serve /etc/passwd', async () => {
    const audioId = uniqueId('carried');
    // It stays waiting: the provider never answers.
    stack.sandbox.setScenario(audioId, { callback: 'drop', conversionDelayMs: 600_000 });
    const conversionId = uniqueId('passwd');
    const now = new Date().toISOString();
    const carried: ConversionStatus = {
      conversionId,
      phase: 'completed',
      phases: [{ phase: 'completed', at: now }],
      audioId,
      callbacks: { received: 0, duplicates: 0, mismatched: 0, withoutUrl: 0, malformed: 0 },
      ignoredCallbacks: [],
      malformedCallbacks: [],
      polls: 0,
      downloadAttempts: 1,
      urlRefreshes: 0,
      runs: 1,
      startedAt: now,
      deadlineAt: now,
      result: {
        path: '/etc/passwd',
        bytes: 1,
        sha256: '0'.repeat(64),
        audioFormat: 1,
        sampleRate: 44_100,
        channels: 2,
        bitsPerSample: 16,
        durationSeconds: 1,
        attempt: 1,
        resumedFrom: 0,
        wavTaskId: 'forged',
        answeredBy: 'callback',
      },
    };
    // Straight through Temporal, as the CLI or another SDK would: no API schema in the way.
    await stack.client.workflow.start(convertToWav, { taskQueue: stack.taskQueue, workflowId: conversionId, args: [{ audioId, pollIntervalMs: 600_000, carried }] });
    // The route used to send the path the status query reported. Now the workflow refuses state
    // carried into a start (InvalidConversionInput), and the route reads only the store anyway.
    const status = await waitFor('the conversion to end', async () => {
      const view = await getConversion(stack.client, conversionId);
      return view?.phase === 'failed' ? view : undefined;
    });
    expect(status.failure?.type).toBe('InvalidConversionInput');
    expect(status.result).toBeUndefined();

    const response = await fetch(`${stack.server.url}/v1/conversions/${conversionId}/wav`);
    const body = await response.text();

    expect(body).not.toContain((await readFile('/etc/passwd', 'utf8')).slice(0, 20));
    expect(response.status).toBe(409);
  });

  test('conversions whose result and status claim /etc/passwd (a forged worker) get the store\'s own object, or 404 / 409', async () => {
    const passwd = (await readFile('/etc/passwd', 'utf8')).slice(0, 20);
    // A real conversion: its file is in the store under its id.
    const real = await stack.start({ audioId: uniqueId('real'), pollIntervalSeconds: 600 });
    const realResult = await waitForConversion(stack.client, real.conversionId);

    // A worker that answers for convertToWav with results and status of its own making.
    const connection = await NativeConnection.connect({ address: process.env.WAVFLOW_TEST_TEMPORAL_ADDRESS ?? '' });
    const taskQueue = `forged-${randomUUID()}`;
    const worker = await Worker.create({ connection, taskQueue, workflowsPath: require.resolve('../support/forged-workflow') });
    const forge = (workflowId: string, finish: boolean) =>
      stack.client.workflow.start('convertToWav', { taskQueue, workflowId, args: [{ path: '/etc/passwd', finish }] });
    const served = await worker.runUntil(async () => {
      // The real conversion's id, run again (a closed id may be reused): completed, claiming /etc/passwd.
      await (await forge(real.conversionId, true)).result();
      const fresh = uniqueId('forged-done');
      await (await forge(fresh, true)).result();
      const running = uniqueId('forged-running');
      const stillRunning = await forge(running, false);
      await waitFor('the forged status to answer', async () => ((await stillRunning.query<{ phase: string }>('status')).phase === 'completed' ? true : undefined));
      const get = (id: string) => fetch(`${stack.server.url}/v1/conversions/${id}/wav`, { signal: AbortSignal.timeout(10_000) });
      const answers = { reused: await get(real.conversionId), fresh: await get(fresh), running: await get(running) };
      await stillRunning.terminate('test over');
      return answers;
    });
    await connection.close();

    const reused = await served.reused.arrayBuffer();
    expect(served.reused.status).toBe(200);
    expect(sha256(reused)).toBe(realResult.sha256);
    for (const answer of [served.fresh, served.running]) expect(await answer.text()).not.toContain(passwd);
    expect(served.fresh.status).toBe(404);
    expect(served.running.status).toBe(409);
  });

  test('a finished file is served with no worker running, and a conversion without one is 409', async () => {
    const { conversionId } = await stack.start({ audioId: uniqueId('no-worker'), pollIntervalSeconds: 600 });
    const result = await waitForConversion(stack.client, conversionId);
    const waitingId = uniqueId('still-waiting');
    stack.sandbox.setScenario(waitingId, { callback: 'drop', conversionDelayMs: 600_000 });
    const waiting = await stack.start({ audioId: waitingId, pollIntervalSeconds: 600 });
    await waitFor('the second conversion to wait', async () => ((await getConversion(stack.client, waiting.conversionId))?.phase === 'waiting' ? true : undefined));

    await stack.stopWorker();
    const file = await fetch(`${stack.server.url}/v1/conversions/${conversionId}/wav`, { signal: AbortSignal.timeout(10_000) });
    const none = await fetch(`${stack.server.url}/v1/conversions/${waiting.conversionId}/wav`, { signal: AbortSignal.timeout(10_000) });

    expect(file.status).toBe(200);
    expect(sha256(await file.arrayBuffer())).toBe(result.sha256);
    expect(none.status).toBe(409);
    expect(await none.text()).toContain('waiting');
  });
});
