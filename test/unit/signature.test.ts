import { createHmac } from 'node:crypto';
import {
  callbackSignature,
  callbackUrl,
  verifyCallbackSignature,
  verifyWebhookSignature,
  webhookRefusal,
  webhookSignature,
} from '../../src/provider/signature';

const SECRET = 'a-long-enough-callback-secret';
const WORKFLOW = 'wav-7f3a9c2e';

describe('callback URL signature', () => {
  test('is base64url(HMAC-SHA256(workflowId, secret))', () => {
    const expected = createHmac('sha256', SECRET).update(WORKFLOW).digest('base64url');
    expect(callbackSignature(WORKFLOW, SECRET)).toBe(expected);
    expect(expected).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  test('the right signature passes', () => {
    expect(verifyCallbackSignature(WORKFLOW, callbackSignature(WORKFLOW, SECRET), SECRET)).toBe(true);
  });

  const right = createHmac('sha256', SECRET).update(WORKFLOW).digest('base64url');
  const flipped = `${right[0] === 'A' ? 'B' : 'A'}${right.slice(1)}`;

  test.each([
    ['one character changed', flipped],
    ["another workflow's signature", createHmac('sha256', SECRET).update('wav-other').digest('base64url')],
    ['the same workflow signed with another secret', createHmac('sha256', 'another-secret-entirely').update(WORKFLOW).digest('base64url')],
    ['a prefix of the right one', right.slice(0, 20)],
    ['the right one with a character added', `${right}A`],
    ['the right one as base64 with padding', createHmac('sha256', SECRET).update(WORKFLOW).digest('base64')],
    ['an empty signature', ''],
  ])('%s fails', (_name, signature) => {
    expect(verifyCallbackSignature(WORKFLOW, signature, SECRET)).toBe(false);
  });

  test("one workflow's signature does not verify another workflow", () => {
    expect(verifyCallbackSignature('wav-other', callbackSignature(WORKFLOW, SECRET), SECRET)).toBe(false);
  });

  test.each([
    ['https://wavflow.example.com', 'https://wavflow.example.com'],
    ['https://wavflow.example.com/', 'https://wavflow.example.com'],
    ['https://wavflow.example.com//', 'https://wavflow.example.com'],
    ['http://127.0.0.1:3000/base/', 'http://127.0.0.1:3000/base'],
  ])('callbackUrl on %s is <base>/callbacks/wav/<id>/<sig>', (base, trimmed) => {
    expect(callbackUrl(base, WORKFLOW, SECRET)).toBe(`${trimmed}/callbacks/wav/${WORKFLOW}/${right}`);
  });

  test('callbackUrl encodes the workflow id as one path segment, and signs the raw id', () => {
    const id = 'conv/1 2?x#y';
    const url = new URL(callbackUrl('https://wavflow.example.com/', id, SECRET));
    const [, prefix, kind, encodedId, signature, ...rest] = url.pathname.split('/');
    expect([prefix, kind, rest]).toEqual(['callbacks', 'wav', []]);
    expect(url.search).toBe('');
    expect(url.hash).toBe('');
    expect(decodeURIComponent(encodedId ?? '')).toBe(id);
    expect(verifyCallbackSignature(id, signature ?? '', SECRET)).toBe(true);
  });
});

describe('kie.ai webhook signature', () => {
  const KEY = 'kie-webhook-hmac-key';
  const TASK = '988e****c8d3';
  const TIMESTAMP = '1735689600';
  const expected = createHmac('sha256', KEY).update(`${TASK}.${TIMESTAMP}`).digest('base64');

  test('is base64(HMAC-SHA256(taskId + "." + timestamp, key))', () => {
    expect(webhookSignature(TASK, TIMESTAMP, KEY)).toBe(expected);
    // Standard base64 with padding, not base64url.
    expect(expected).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  test('the right signature passes', () => {
    expect(verifyWebhookSignature(TASK, TIMESTAMP, expected, KEY)).toBe(true);
  });

  test.each([
    ['another task id', () => verifyWebhookSignature('other-task', TIMESTAMP, expected, KEY)],
    ['another timestamp (a replay with the timestamp changed)', () => verifyWebhookSignature(TASK, '1735689601', expected, KEY)],
    ['another key', () => verifyWebhookSignature(TASK, TIMESTAMP, expected, 'another-key')],
    ['the signature as base64url', () => verifyWebhookSignature(TASK, TIMESTAMP, Buffer.from(expected, 'base64').toString('base64url'), KEY)],
    ['the signature as hex', () => verifyWebhookSignature(TASK, TIMESTAMP, Buffer.from(expected, 'base64').toString('hex'), KEY)],
    ['the signature without its padding', () => verifyWebhookSignature(TASK, TIMESTAMP, expected.replace(/=+$/, ''), KEY)],
    ['an empty signature', () => verifyWebhookSignature(TASK, TIMESTAMP, '', KEY)],
    [
      'the separator left out (taskId + timestamp)',
      () => verifyWebhookSignature(TASK, TIMESTAMP, createHmac('sha256', KEY).update(`${TASK}${TIMESTAMP}`).digest('base64'), KEY),
    ],
  ])('%s fails', (_name, verify) => {
    expect(verify()).toBe(false);
  });
});

describe('webhookRefusal', () => {
  const KEY = 'kie-webhook-hmac-key';
  const TASK = 'task-1';
  const NOW = 1_735_689_600;
  const check = (timestamp: string | undefined, signature: string | undefined, nowSeconds = NOW) =>
    webhookRefusal({ taskId: TASK, timestamp, signature, key: KEY, windowSeconds: 300, nowSeconds });
  const signedAt = (t: number) => check(String(t), webhookSignature(TASK, String(t), KEY));

  test('a fresh, rightly signed callback passes', () => {
    expect(signedAt(NOW)).toBeUndefined();
  });

  test.each([
    ['exactly the window old', NOW - 300],
    ['exactly the window ahead', NOW + 300],
    ['a second old', NOW - 1],
  ])('%s passes', (_name, t) => {
    expect(signedAt(t)).toBeUndefined();
  });

  test.each([
    ['a second older than the window', NOW - 301],
    ['a second further ahead than the window', NOW + 301],
    ['a day old', NOW - 86_400],
    ['the epoch', 0],
  ])('%s is refused as a replay, however well signed', (_name, t) => {
    expect(signedAt(t)).toBe('X-Webhook-Timestamp is outside the replay window');
  });

  test.each([
    ['no timestamp', undefined, 'sig'],
    ['no signature', String(NOW), undefined],
    ['an empty timestamp', '', 'sig'],
    ['an empty signature', String(NOW), ''],
  ])('%s is refused: both headers are required', (_name, timestamp, signature) => {
    expect(check(timestamp, signature)).toBe('X-Webhook-Timestamp and X-Webhook-Signature are required');
  });

  test.each([
    ['words', 'yesterday'],
    ['milliseconds (13 digits)', String(NOW * 1000)],
    ['a fraction', `${NOW}.5`],
    ['a sign', `+${NOW}`],
    ['a negative number', `-${NOW}`],
    ['an ISO date', '2025-01-01T00:00:00Z'],
  ])('a timestamp in %s is refused as not Unix seconds', (_name, timestamp) => {
    expect(check(timestamp, webhookSignature(TASK, timestamp, KEY))).toBe('X-Webhook-Timestamp is not Unix seconds');
  });

  test.each([
    ['another key', webhookSignature(TASK, String(NOW), 'another-key')],
    ['another task', webhookSignature('task-2', String(NOW), KEY)],
    ['another timestamp', webhookSignature(TASK, String(NOW - 1), KEY)],
  ])('a signature made with %s is refused', (_name, signature) => {
    expect(check(String(NOW), signature)).toBe('X-Webhook-Signature does not match');
  });
});
