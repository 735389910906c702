import { createHmac } from 'node:crypto';
import {
  callbackSignature,
  callbackUrl,
  verifyCallbackSignature,
  verifyWebhookSignature,
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
