import { getConversion } from '../../src/conversions';
import { callbackSignature } from '../../src/provider';
import { providerCallbackSignal } from '../../src/workflows';
import { sampleSum, scrape } from '../support/prometheus';
import { startStack, uniqueId, type TestStack } from '../support/stack';
import { waitFor } from '../support/wait-for';

/**
 * The receiver's callback budget per conversion, over real sockets: validly signed callbacks
 * beyond it get 429 with Retry-After, are counted as `limited`, and never become a signal.
 */
const BURST = 4;

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({}, {}, { callbackLimit: { burst: BURST, refillSeconds: 3_600 } });
});
afterAll(async () => {
  await stack?.stop();
});

/** A conversion that waits (its provider task never finishes) with its provider task id known. */
async function waitingConversion() {
  const audioId = uniqueId('limit');
  stack.sandbox.setScenario(audioId, { callback: 'drop', conversionDelayMs: 600_000 });
  const { conversionId } = await stack.start({ audioId, pollIntervalSeconds: 600 });
  const wavTaskId = await waitFor('submit', async () => (await getConversion(stack.client, conversionId))?.wavTaskId);
  return { conversionId, wavTaskId };
}

/** A validly signed callback (code 200 without a URL: counted, and the conversion keeps waiting). */
const callback = (conversionId: string, wavTaskId: string) =>
  fetch(`${stack.server.url}/callbacks/wav/${conversionId}/${callbackSignature(conversionId, stack.callbackSecret)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: 200, msg: 'success', data: { task_id: wavTaskId, audio_wav_url: null } }),
  });

const signals = async (conversionId: string) =>
  ((await stack.client.workflow.getHandle(conversionId).fetchHistory()).events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === providerCallbackSignal.name).length;

const limited = async () => sampleSum(await scrape(`${stack.server.url}/metrics`), 'wavflow_callbacks_total', { outcome: 'limited' });

test('past its budget a conversion\'s callbacks get 429 with Retry-After, are counted, and signal nothing', async () => {
  const { conversionId, wavTaskId } = await waitingConversion();
  const limitedBefore = await limited();

  for (let i = 0; i < BURST; i++) {
    const response = await callback(conversionId, wavTaskId);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'received' });
  }
  await waitFor('the callbacks to be counted', async () => (await getConversion(stack.client, conversionId))?.callbacks.received === BURST);
  expect(await signals(conversionId)).toBe(BURST);

  for (let i = 0; i < 3; i++) {
    const refused = await callback(conversionId, wavTaskId);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(3_600);
  }

  expect(await signals(conversionId)).toBe(BURST);
  expect(await getConversion(stack.client, conversionId)).toMatchObject({ phase: 'waiting', callbacks: { received: BURST } });
  expect((await limited()) - limitedBefore).toBe(3);
  await stack.client.workflow.getHandle(conversionId).cancel();
});

test('one conversion over its budget does not touch another\'s', async () => {
  const [spent, other] = await Promise.all([waitingConversion(), waitingConversion()]);
  for (let i = 0; i < BURST; i++) await callback(spent.conversionId, spent.wavTaskId);
  expect((await callback(spent.conversionId, spent.wavTaskId)).status).toBe(429);

  const response = await callback(other.conversionId, other.wavTaskId);
  expect(response.status).toBe(200);
  await waitFor('the other conversion\'s callback', async () => (await getConversion(stack.client, other.conversionId))?.callbacks.received === 1);
  await Promise.all([spent, other].map(({ conversionId }) => stack.client.workflow.getHandle(conversionId).cancel()));
});

test('a forged callback is refused (401) before the budget: it cannot spend it', async () => {
  const { conversionId, wavTaskId } = await waitingConversion();
  for (let i = 0; i < BURST * 3; i++) {
    const forged = await fetch(`${stack.server.url}/callbacks/wav/${conversionId}/not-the-signature`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: 200, msg: 'success', data: { task_id: wavTaskId } }),
    });
    expect(forged.status).toBe(401);
  }
  expect((await callback(conversionId, wavTaskId)).status).toBe(200);
  await stack.client.workflow.getHandle(conversionId).cancel();
});
