import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { callbackSignature } from '../../src/provider';
import { createApp, listen, type RunningServer } from '../../src/server';

/**
 * The receiver reads callback bodies itself (ahead of express's body parser, which costs more per
 * request than the checks): what it accepts and refuses must not change with that.
 */
const SECRET = 'body-callback-secret-0123456789';
let connection: Connection;
let server: RunningServer;

beforeAll(async () => {
  connection = await Connection.connect({ address: process.env.WAVFLOW_TEST_TEMPORAL_ADDRESS as string });
  const app = createApp({
    client: new Client({ connection }),
    namespace: 'default',
    callbackSecret: SECRET,
    temporalUiUrl: 'http://127.0.0.1:8233',
    start: { taskQueue: 'body-no-worker' },
    logger: pino({ level: 'silent' }),
  });
  server = await listen(app, 0, '127.0.0.1');
});
afterAll(async () => {
  await server?.close();
  await connection?.close();
});

const urlOf = (id: string) => `${server.url}/callbacks/wav/${id}/${callbackSignature(id, SECRET)}`;
const callback = JSON.stringify({ code: 200, msg: 'ok', data: { task_id: 't1', audio_wav_url: 'https://files.example/t1.wav' } });

/** POSTs `chunks` one write each: without content-length, a chunked body. */
function post(url: string, chunks: Buffer[], headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString() }));
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

test('a gzip-encoded callback is read as before (for a closed or unknown conversion: 200 ignored)', async () => {
  const answer = await post(urlOf('wav-body-gzip'), [gzipSync(callback)], { 'content-type': 'application/json', 'content-encoding': 'gzip' });
  expect(answer).toEqual({ status: 200, body: '{"status":"ignored"}' });
});

test('a body in many chunks is read whole', async () => {
  const bytes = Buffer.from(callback);
  const chunks = [bytes.subarray(0, 10), bytes.subarray(10, 40), bytes.subarray(40)];
  expect(await post(urlOf('wav-body-chunks'), chunks, { 'content-type': 'application/json' })).toEqual({ status: 200, body: '{"status":"ignored"}' });
});

test('a chunked body past 64 KiB is refused 413 without a declared length', async () => {
  const chunk = Buffer.alloc(16 * 1024, 'x');
  const answer = await post(urlOf('wav-body-large'), [Buffer.from('{"msg":"'), chunk, chunk, chunk, chunk, Buffer.from('"}')], { 'content-type': 'application/json' });
  expect(answer.status).toBe(413);
  expect(JSON.parse(answer.body)).toMatchObject({ status: 413, title: 'Payload Too Large' });
});

test('exactly 64 KiB is still read', async () => {
  const padding = 64 * 1024 - Buffer.byteLength(callback) + 1;
  const body = `${callback.slice(0, -1)}${' '.repeat(padding - 1)}}`;
  expect(Buffer.byteLength(body)).toBe(64 * 1024);
  expect((await post(urlOf('wav-body-64k'), [Buffer.from(body)], { 'content-type': 'application/json', 'content-length': String(64 * 1024) })).status).toBe(200);
});

test('an unsupported content encoding is refused as body-parser refuses it', async () => {
  const answer = await post(urlOf('wav-body-br'), [Buffer.from(callback)], { 'content-type': 'application/json', 'content-encoding': 'x-unknown' });
  expect(answer.status).toBe(415);
});
