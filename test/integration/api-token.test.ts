import { callbackSignature } from '../../src/provider';
import { startStack, uniqueId, type TestStack } from '../support/stack';

/** With API_TOKEN set, /v1 needs it; the provider's callbacks (signed URLs) and health do not. */
const TOKEN = 'api-token-0123456789abcdef';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({}, {}, { apiToken: TOKEN });
});
afterAll(async () => {
  await stack?.stop();
});

const start = (authorization?: string) =>
  fetch(`${stack.server.url}/v1/conversions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify({ audioId: uniqueId('token'), pollIntervalSeconds: 600 }),
  });

test.each([
  ['no token', undefined],
  ['a wrong token', 'Bearer not-the-token-at-all-000'],
  ['the token without the scheme', TOKEN],
])('%s is 401 with WWW-Authenticate', async (_name, authorization) => {
  const response = await start(authorization);
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toBe('Bearer');
  expect(response.headers.get('content-type')).toContain('application/problem+json');
});

test('the right token is let through', async () => {
  const response = await start(`Bearer ${TOKEN}`);
  expect(response.status).toBe(201);
  const { conversionId } = (await response.json()) as { conversionId: string };
  await stack.client.workflow.getHandle(conversionId).cancel();
});

test('callbacks and health need no token', async () => {
  const id = uniqueId('gone');
  const callback = await fetch(`${stack.server.url}/callbacks/wav/${id}/${callbackSignature(id, stack.callbackSecret)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: 200, msg: 'success', data: { task_id: 't' } }),
  });
  expect(callback.status).toBe(200);
  expect((await fetch(`${stack.server.url}/healthz`)).status).toBe(200);
});
