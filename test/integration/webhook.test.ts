import { getConversion, waitForConversion } from '../../src/conversions';
import { callbackSignature, webhookSignature } from '../../src/provider';
import { startStack, uniqueId, type TestStack } from '../support/stack';
import { waitFor } from '../support/wait-for';

/** kie.ai-style signed callbacks: X-Webhook-Timestamp / X-Webhook-Signature with a replay window. */
const KEY = 'kie-webhook-hmac-key';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ variant: 'kie', webhookHmacKey: KEY });
});
afterAll(async () => {
  await stack?.stop();
});

test('callbacks signed by the provider are accepted', async () => {
  const audioId = uniqueId('signed');
  const { conversionId } = await stack.start({ audioId, pollIntervalSeconds: 600 });
  const result = await waitForConversion(stack.client, conversionId);
  expect(result.answeredBy).toBe('callback');
});

describe('a callback with the right URL signature', () => {
  let conversionId: string;
  let wavTaskId: string;
  beforeAll(async () => {
    const audioId = uniqueId('webhook');
    stack.sandbox.setScenario(audioId, { callback: 'drop', conversionDelayMs: 600_000 });
    ({ conversionId } = await stack.start({ audioId, pollIntervalSeconds: 600 }));
    wavTaskId = await waitFor('submit', async () => (await getConversion(stack.client, conversionId))?.wavTaskId);
  });
  afterAll(async () => {
    await stack.client.workflow.getHandle(conversionId).cancel();
  });

  const now = () => Math.floor(Date.now() / 1000);
  const post = (headers: Record<string, string>, code = 500) =>
    fetch(`${stack.server.url}/callbacks/wav/${conversionId}/${callbackSignature(conversionId, stack.callbackSecret)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ code, msg: 'probe', data: { task_id: wavTaskId } }),
    });
  const signed = (timestamp: number, key = KEY) => ({
    'X-Webhook-Timestamp': String(timestamp),
    'X-Webhook-Signature': webhookSignature(wavTaskId, String(timestamp), key),
  });

  // Built inside each test: the task id is only known once beforeAll has run, and a timestamp
  // must be fresh when it is sent.
  test.each([
    ['no provider signature', () => ({}), 'are required'],
    ['a wrong key', () => signed(now(), 'another-key'), 'does not match'],
    ['a replayed one, outside the window', () => signed(now() - 301), 'outside the replay window'],
    // Not 301: the receiver's clock may have moved on a second by the time it checks.
    ['a timestamp too far ahead', () => signed(now() + 310), 'outside the replay window'],
    ['a timestamp that is not a number', () => ({ 'X-Webhook-Timestamp': 'yesterday', 'X-Webhook-Signature': 'x' }), 'not Unix seconds'],
  ])('is refused with %s (401), and nothing is signalled', async (_name, headers, reason) => {
    const response = await post(headers());
    expect(response.status).toBe(401);
    expect(((await response.json()) as { detail?: string }).detail).toContain(reason);
    expect(await getConversion(stack.client, conversionId)).toMatchObject({ phase: 'waiting', callbacks: { received: 0 } });
  });

  test.each([
    ['a fresh timestamp', () => now()],
    ['a timestamp 290 s old, inside the window', () => now() - 290],
    ['a timestamp 290 s ahead, inside the window', () => now() + 290],
  ])('is accepted with %s, and signalled', async (_name, timestamp) => {
    const before = (await getConversion(stack.client, conversionId))?.callbacks.received ?? NaN;
    // Code 200 without a URL: counted, and the conversion keeps waiting for the next test.
    const response = await post(signed(timestamp()), 200);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'received' });
    await waitFor('the signal to be counted', async () => (await getConversion(stack.client, conversionId))?.callbacks.received === before + 1);
    expect(await getConversion(stack.client, conversionId)).toMatchObject({ phase: 'waiting' });
  });

  test('header names are case-insensitive', async () => {
    const t = now();
    const response = await post({ 'x-webhook-timestamp': String(t), 'X-WEBHOOK-SIGNATURE': webhookSignature(wavTaskId, String(t), KEY) }, 200);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'received' });
  });
});

test('readyz says ready while Temporal answers', async () => {
  const response = await fetch(`${stack.server.url}/readyz`);
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ status: 'ready' });
});
