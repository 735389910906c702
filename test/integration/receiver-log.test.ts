import { Writable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { callbackSignature } from '../../src/provider';
import { createApp, listen, type RunningServer } from '../../src/server';
import { waitFor } from '../support/wait-for';

/** Every callback request is one structured log line; raw bodies never beyond 1 KiB. */
const SECRET = 'log-callback-secret-0123456789';
const lines: Array<Record<string, unknown>> = [];
let connection: Connection;
let server: RunningServer;

beforeAll(async () => {
  connection = await Connection.connect({ address: process.env.WAVFLOW_TEST_TEMPORAL_ADDRESS as string });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const app = createApp({
    client: new Client({ connection }),
    namespace: 'default',
    callbackSecret: SECRET,
    temporalUiUrl: 'http://127.0.0.1:8233',
    start: { taskQueue: 'log-no-worker' },
    logger: pino({ level: 'info' }, sink),
  });
  server = await listen(app, 0, '127.0.0.1');
});
afterAll(async () => {
  await server?.close();
  await connection?.close();
});

test('one line per request, with workflow id, outcome, status and latency', async () => {
  const id = 'wav-logged';
  const url = `${server.url}/callbacks/wav/${id}/${callbackSignature(id, SECRET)}`;
  const post = (body: string, path = url, type = 'application/json') => fetch(path, { method: 'POST', headers: { 'content-type': type }, body });

  const answers = [
    await post(JSON.stringify({ code: 200, msg: 'ok', data: { task_id: 't1' } })),
    await post('{}', `${server.url}/callbacks/wav/${id}/forged`),
    await post('{}', url, 'text/plain'),
    await post(JSON.stringify({ code: 200, msg: 'x'.repeat(70_000), data: { task_id: 't' } })),
    await post(JSON.stringify({ code: 200, msg: 'y'.repeat(5_000), data: {} })),
  ].map((r) => r.status);
  const logged = await waitFor('five lines', () => (lines.length >= 5 ? lines : undefined));

  expect(answers).toEqual([200, 401, 415, 413, 400]);
  expect(logged.map((l) => [l.status, l.outcome])).toEqual([
    [200, 'ignored'],
    [401, 'forged'],
    [415, 'http-415'],
    [413, 'http-413'],
    [400, 'malformed'],
  ]);
  for (const line of logged) expect(line).toMatchObject({ workflowId: id, latencyMs: expect.any(Number) as number, msg: 'callback' });
  expect(logged[0]).toMatchObject({ wavTaskId: 't1' });
  expect(String(logged[4]?.body).length).toBeLessThanOrEqual(1024);
  expect(JSON.stringify(logged)).not.toContain(SECRET);
});
