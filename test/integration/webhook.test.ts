import { getConversion, waitForConversion } from '../../src/client';
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

  test.each([
    ['no provider signature', {}],
    ['a wrong key', signed(now(), 'another-key')],
    ['a replayed one, outside the window', signed(now() - 301)],
    ['a timestamp too far ahead', signed(now() + 301)],
    ['a timestamp that is not a number', { 'X-Webhook-Timestamp': 'yesterday', 'X-Webhook-Signature': 'x' }],
  ])('is refused with %s (401), and nothing is signalled', async (_name, headers) => {
    const response = await post(headers);
    expect(response.status).toBe(401);
    expect(await getConversion(stack.client, conversionId)).toMatchObject({ phase: 'waiting', callbacks: { received: 0 } });
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
