import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { getConversion, waitForConversion } from '../../src/conversions';
import { callbackSignature, webhookSignature } from '../../src/provider';
import { convertToWav, providerCallbackSignal, statusQuery } from '../../src/workflows';
import { startStack, uniqueId, type TestStack } from '../support/stack';
import { waitFor } from '../support/wait-for';

/**
 * Waits that cannot be held open or pushed around from outside: a replayed provider signature
 * with an altered body fails nothing that record-info does not say failed, and stray signals
 * during a download make the run continue as new without losing the conversion.
 */
jest.setTimeout(120_000);

const KEY = 'kie-webhook-hmac-key';
let stack: TestStack;
let kie: TestStack;
beforeAll(async () => {
  [stack, kie] = await Promise.all([startStack(), startStack({ variant: 'kie', webhookHmacKey: KEY })]);
});
afterAll(async () => {
  await Promise.all([stack?.stop(), kie?.stop()]);
});

const served = (on: TestStack, wavTaskId: string) => on.sandbox.task(wavTaskId)?.file?.sha256;

describe('failure callbacks are confirmed by record-info', () => {
  test('a replayed kie.ai signature with an altered body (code 400) does not fail a conversion that succeeded', async () => {
    const audioId = uniqueId('altered');
    kie.sandbox.setScenario(audioId, { callback: 'drop', conversionDelayMs: 0 });
    const { conversionId } = await kie.start({ audioId, pollIntervalSeconds: 600 });
    const wavTaskId = await waitFor('submit', async () => (await getConversion(kie.client, conversionId))?.wavTaskId);
    await waitFor('the provider to finish', () => kie.sandbox.task(wavTaskId)?.state === 'SUCCESS');

    // The provider's HMAC covers only task_id.timestamp: a captured pair passes with any body.
    const timestamp = String(Math.floor(Date.now() / 1000));
    const response = await fetch(`${kie.server.url}/callbacks/wav/${conversionId}/${callbackSignature(conversionId, kie.callbackSecret)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Webhook-Timestamp': timestamp, 'X-Webhook-Signature': webhookSignature(wavTaskId, timestamp, KEY) },
      body: JSON.stringify({ code: 400, msg: 'forged: unsupported format', data: { task_id: wavTaskId } }),
    });
    expect(response.status).toBe(200);

    const result = await waitForConversion(kie.client, conversionId);
    expect(result.sha256).toBe(served(kie, wavTaskId));
    expect(result.answeredBy).toBe('poll');
    const status = await getConversion(kie.client, conversionId);
    expect(status).toMatchObject({ phase: 'completed', polls: 1, callbacks: { received: 1 } });
    expect(status?.failure).toBeUndefined();
  });

  test("a real failure callback fails the conversion with the callback's type once record-info agrees", async () => {
    const audioId = uniqueId('real-failure');
    stack.sandbox.setScenario(audioId, { failure: { state: 'GENERATE_WAV_FAILED', callbackCode: 400, msg: 'unsupported format' } });
    const { conversionId } = await stack.start({ audioId, pollIntervalSeconds: 600 });

    const failure = await waitForConversion(stack.client, conversionId).then(
      () => undefined,
      (err: unknown) => (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure ? err.cause : err),
    );

    expect(failure).toMatchObject({ type: 'SourceRejected', message: 'unsupported format' });
    // One record-info call confirmed it, before the failure.
    expect(await getConversion(stack.client, conversionId)).toMatchObject({ phase: 'failed', answeredBy: 'callback', polls: 1 });
  });
});

describe('stray signals during a download', () => {
  test('continue the run as new mid-download; the next run downloads, and the conversion completes', async () => {
    const audioId = uniqueId('stray-download');
    // About 5 s of download at this rate: time enough for the strays.
    stack.sandbox.setScenario(audioId, { wavSeconds: 2, throttleBytesPerSecond: 64 * 1024 });
    // Heartbeats a second apart (a third of 3 s): the stop reaches the download before its end.
    const { conversionId, runId: firstRunId } = await stack.start({ audioId, pollIntervalSeconds: 600 }, { input: { historyEventLimit: 40, downloadHeartbeatTimeoutMs: 3_000 } });
    const handle = stack.client.workflow.getHandle<typeof convertToWav>(conversionId);
    await waitFor('the download to start', async () => (await handle.query(statusQuery)).phase === 'downloading');

    // Signals straight into Temporal (as the CLI would), each for another task: only history grows.
    let strays = 0;
    await waitFor(
      'a new run',
      async () => {
        const { runId } = await handle.describe();
        if (runId !== firstRunId) return true;
        await handle.signal(providerCallbackSignal, { taskId: `stray-${strays++}`, code: 200, msg: 'stray' });
        return false;
      },
      60_000,
      0,
    );
    const first = await stack.client.workflow.getHandle(conversionId, firstRunId).fetchHistory();
    const closedAs = first.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes;
    expect(closedAs?.input).toBeDefined();
    // The first run stopped its download attempt before handing the download on.
    expect(first.events?.some((e) => e.activityTaskCanceledEventAttributes)).toBe(true);

    const result = await waitForConversion(stack.client, conversionId);
    const status = await getConversion(stack.client, conversionId);
    expect(result.sha256).toBe(served(stack, result.wavTaskId));
    expect(status?.runs).toBeGreaterThanOrEqual(2);
    expect(status?.phases.map((p) => p.phase)).toEqual(['submitting', 'waiting', 'downloading', 'completed']);
    expect(status?.callbacks.mismatched).toBeGreaterThan(0);
    expect(status?.downloadAttempts).toBeGreaterThanOrEqual(2);
    // The search attributes still say where it is, for the UI and the list filter.
    const { typedSearchAttributes, status: workflowStatus } = await handle.describe();
    expect(typedSearchAttributes.getAll().map((p) => [p.key.name, p.value])).toEqual(
      expect.arrayContaining([
        ['WavStatus', 'downloading'],
        ['WavProviderTaskId', result.wavTaskId],
        ['WavAudioId', audioId],
      ]),
    );
    expect(workflowStatus.name).toBe('COMPLETED');
  });
});
