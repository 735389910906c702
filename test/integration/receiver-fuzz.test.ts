import { Client, Connection, type WorkflowClientInterceptor } from '@temporalio/client';
import fc from 'fast-check';
import pino from 'pino';
import { startConversion } from '../../src/conversions';
import { callbackSignature } from '../../src/provider';
import { createApp, listen, type RunningServer } from '../../src/server';
import { uniqueId } from '../support/stack';

/**
 * 10,000 generated requests against the real app and Temporal: random bodies, wrong types, huge
 * strings, bad signatures, path tricks. Only validly signed requests may signal, nothing answers
 * 5xx but the documented 503, and the server stays up.
 *
 * The requests run one at a time, so each is judged on its own: a request that is not validly
 * signed must add no signal, neither through the app's client nor to the history of the real
 * (running, worker-less) conversions many of them target.
 */
// Two describe calls per forged request at a real conversion: about 65 s alone, twice that beside other test files.
jest.setTimeout(300_000);

const SECRET = 'fuzz-callback-secret-0123456789';
const signalled: string[] = [];
const recordSignals: WorkflowClientInterceptor = {
  async signal(input, next) {
    signalled.push(input.workflowExecution.workflowId ?? '');
    return next(input);
  },
};

let connection: Connection;
let client: Client;
let server: RunningServer;
/** Running conversions (no worker polls their queue, so their histories hold only what arrives). */
let conversions: string[];
beforeAll(async () => {
  connection = await Connection.connect({ address: process.env.WAVFLOW_TEST_TEMPORAL_ADDRESS as string });
  client = new Client({ connection, interceptors: { workflow: [recordSignals] } });
  const app = createApp({
    client,
    namespace: 'default',
    callbackSecret: SECRET,
    temporalUiUrl: 'http://127.0.0.1:8233',
    start: { taskQueue: 'fuzz-no-worker' },
    logger: pino({ level: 'silent' }),
    // Past the budget nothing signals: a budget this large keeps every valid request signalling.
    callbackLimit: { burst: 1_000_000, refillSeconds: 1 },
  });
  server = await listen(app, 0, '127.0.0.1');
  conversions = await Promise.all(
    [1, 2, 3].map(async () => (await startConversion(client, { audioId: uniqueId('fuzz') }, { taskQueue: 'fuzz-no-worker', startedBy: 'test' })).conversionId),
  );
});
afterAll(async () => {
  await Promise.all((conversions ?? []).map((id) => client.workflow.getHandle(id).terminate('fuzz test done').catch(() => undefined)));
  await server?.close();
  await connection?.close();
});

/** Events in a conversion's history (what a signal adds to). */
const historyLength = async (id: string) => (await client.workflow.getHandle(id).describe()).historyLength;
const signalEvents = async (id: string) => ((await client.workflow.getHandle(id).fetchHistory()).events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes).length;

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
const request = (realIds: string[]) => fc.record({
  // A quarter aim at real conversions, where a wrongly accepted request would leave a trace.
  id: fc.oneof(workflowId, workflowId, workflowId, fc.constantFrom(...realIds)),
  signature: fc.constantFrom('valid', 'random', 'other', 'empty'),
  random: fc.string({ maxLength: 50 }),
  body,
  contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', ''),
  method: fc.constantFrom('POST', 'POST', 'POST', 'PUT', 'GET'),
});

test('no unsigned request signals, nothing answers 5xx but 503, and the server stays up', async () => {
  const validlySigned = new Set<string>();
  let requests = 0;
  let forgedAtRealConversions = 0;
  await fc.assert(
    fc.asyncProperty(request(conversions), async (r) => {
      requests++;
      const sig = { valid: callbackSignature(r.id, SECRET), random: r.random, other: callbackSignature(`${r.id}x`, SECRET), empty: '' }[r.signature];
      const path = `/callbacks/wav/${encodeURIComponent(r.id)}/${encodeURIComponent(sig)}`;
      if (r.signature === 'valid') validlySigned.add(r.id);
      const forgedAtReal = r.signature !== 'valid' && conversions.includes(r.id);
      const signalsBefore = signalled.length;
      const historyBefore = forgedAtReal ? await historyLength(r.id) : 0;
      const response = await fetch(`${server.url}${path}`, {
        method: r.method,
        headers: r.contentType ? { 'content-type': r.contentType } : {},
        ...(r.method === 'GET' ? {} : { body: r.body }),
      });
      await response.arrayBuffer();
      expect(response.status === 503 || response.status < 500).toBe(true);
      if (r.signature !== 'valid') {
        expect(response.status === 401 || response.status === 404).toBe(true);
        // This request, not just its id: whatever it answered, it signalled nothing.
        expect(signalled.length).toBe(signalsBefore);
      }
      if (forgedAtReal) {
        forgedAtRealConversions++;
        expect(await historyLength(r.id)).toBe(historyBefore);
      }
    }),
    { numRuns: 10_000, seed: Number(process.env.WAVFLOW_FUZZ_SEED ?? 20261127) },
  );

  expect(requests).toBe(10_000);
  expect(forgedAtRealConversions).toBeGreaterThan(1_000);
  expect(signalled.length).toBeGreaterThan(0);
  for (const id of signalled) expect(validlySigned.has(id)).toBe(true);
  // Every signal in the real conversions' histories came through the app's client, during a validly signed request.
  for (const id of conversions) expect(await signalEvents(id)).toBe(signalled.filter((s) => s === id).length);
  expect(signalled.filter((id) => conversions.includes(id)).length).toBeGreaterThan(0);
  const health = await fetch(`${server.url}/healthz`);
  expect(health.status).toBe(200);
});
