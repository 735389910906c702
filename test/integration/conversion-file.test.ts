import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { getConversion, waitForConversion } from '../../src/conversions';
import { convertToWav, type ConversionStatus } from '../../src/workflows';
import { startStack, uniqueId, type TestStack } from '../support/stack';
import { waitFor } from '../support/wait-for';

/**
 * GET /v1/conversions/:id/wav serves the store's own object for that conversion id: never a path
 * from workflow state, which anyone who can start a workflow through Temporal writes.
 */

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
    expect(createHash('sha256').update(Buffer.from(await file.arrayBuffer())).digest('hex')).toBe(result.sha256);
    expect(none.status).toBe(409);
    expect(await none.text()).toContain('waiting');
  });
});
