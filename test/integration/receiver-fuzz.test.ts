import { Client, Connection, type WorkflowClientInterceptor } from '@temporalio/client';
import fc from 'fast-check';
import pino from 'pino';
import { callbackSignature } from '../../src/provider';
import { createApp, listen, type RunningServer } from '../../src/server';

/**
 * 10,000 generated requests against the real app and Temporal: random bodies, wrong types, huge
 * strings, bad signatures, path tricks. Only validly signed requests may signal, nothing answers
 * 5xx but the documented 503, and the server stays up.
 */
jest.setTimeout(180_000);

const SECRET = 'fuzz-callback-secret-0123456789';
const signalled: string[] = [];
const recordSignals: WorkflowClientInterceptor = {
  async signal(input, next) {
    signalled.push(input.workflowExecution.workflowId ?? '');
    return next(input);
  },
};

let connection: Connection;
let server: RunningServer;
beforeAll(async () => {
  connection = await Connection.connect({ address: process.env.WAVFLOW_TEST_TEMPORAL_ADDRESS as string });
  const client = new Client({ connection, interceptors: { workflow: [recordSignals] } });
  const app = createApp({
    client,
    namespace: 'default',
    callbackSecret: SECRET,
    temporalUiUrl: 'http://127.0.0.1:8233',
    start: { taskQueue: 'fuzz-no-worker' },
    logger: pino({ level: 'silent' }),
  });
  server = await listen(app, 0, '127.0.0.1');
});
afterAll(async () => {
  await server?.close();
  await connection?.close();
});

const workflowId = fc.oneof(fc.stringMatching(/^[A-Za-z0-9._-]{1,40}$/), fc.string({ maxLength: 60 }), fc.constantFrom('..', '%2e%2e', 'a%2Fb', '%00', 'wav-x?y=1'));
const body = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc.string({ maxLength: 200 }),
  fc.record({
    code: fc.oneof(fc.integer(), fc.string(), fc.constant(null)),
    msg: fc.oneof(fc.string(), fc.integer()),
    data: fc.oneof(
      fc.record({ task_id: fc.oneof(fc.string(), fc.integer()), audio_wav_url: fc.oneof(fc.webUrl(), fc.string(), fc.constant(null)) }, { requiredKeys: [] }),
      fc.anything(),
    ),
  }).map((o) => JSON.stringify(o)),
  fc.integer({ min: 60_000, max: 120_000 }).map((n) => JSON.stringify({ code: 200, msg: 'x'.repeat(n), data: { task_id: 't' } })),
);
const request = fc.record({
  id: workflowId,
  signature: fc.constantFrom('valid', 'random', 'other', 'empty'),
  random: fc.string({ maxLength: 50 }),
  body,
  contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', ''),
  method: fc.constantFrom('POST', 'POST', 'POST', 'PUT', 'GET'),
});

test('no unsigned request signals, nothing answers 5xx but 503, and the server stays up', async () => {
  const validlySigned = new Set<string>();
  let requests = 0;
  await fc.assert(
    fc.asyncProperty(request, async (r) => {
      requests++;
      const sig = { valid: callbackSignature(r.id, SECRET), random: r.random, other: callbackSignature(`${r.id}x`, SECRET), empty: '' }[r.signature];
      const path = `/callbacks/wav/${encodeURIComponent(r.id)}/${encodeURIComponent(sig)}`;
      if (r.signature === 'valid') validlySigned.add(r.id);
      const response = await fetch(`${server.url}${path}`, {
        method: r.method,
        headers: r.contentType ? { 'content-type': r.contentType } : {},
        ...(r.method === 'GET' ? {} : { body: r.body }),
      });
      await response.arrayBuffer();
      expect(response.status === 503 || response.status < 500).toBe(true);
      if (r.signature !== 'valid') expect(response.status === 401 || response.status === 404).toBe(true);
    }),
    { numRuns: 10_000, seed: Number(process.env.WAVFLOW_FUZZ_SEED ?? 20261127) },
  );

  expect(requests).toBe(10_000);
  expect(signalled.length).toBeGreaterThan(0);
  for (const id of signalled) expect(validlySigned.has(id)).toBe(true);
  const health = await fetch(`${server.url}/healthz`);
  expect(health.status).toBe(200);
});
