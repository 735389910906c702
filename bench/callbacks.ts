import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import pino from 'pino';
import { startConversion } from '../src/conversions';
import { callbackSignature } from '../src/provider';
import { createApp, listen } from '../src/server';
import { freePort, obtainTemporalCli, startDevServer } from '../src/local-servers';
import { providerCallbackSignal } from '../src/workflows';
import { measure, type Round } from './measure';
import { median, projectDir, quantile, say } from './support';

/**
 * `npm run bench:callbacks`: the receiver (HTTP → verify → validate → signal → 200) against raw
 * `handle.signal` calls at the same concurrency, on the same dev server, in alternating rounds.
 * The workflows have no worker: signals are only recorded, so the server's write path is what both
 * sides wait on. BENCH_REQUESTS (default 4,000 per round), BENCH_ROUNDS (3), BENCH_CONCURRENCY (50).
 */
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 4_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const WORKFLOWS = 100; // spreads the signals: no history comes near its limits
const GOALS = { ratio: 0.8, p99Ms: 50 };


const round = (call: (i: number) => Promise<void>) => measure(call, REQUESTS, CONCURRENCY);


async function main(): Promise<void> {
  const cliPath = await obtainTemporalCli({ projectDir, explicitPath: process.env.TEMPORAL_CLI_PATH, log: say });
  const port = await freePort();
  const temporal = await startDevServer({ cliPath, port, uiPort: null, namespace: 'default', log: say });
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  const secret = randomBytes(32).toString('base64url');
  // Logging stays on, as in production, but into /dev/null: its cost is measured, not the terminal's.
  const devNull = await open('/dev/null', 'w');
  const logger = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'info' }, pino.destination({ fd: devNull.fd, sync: false }));
  const server = await listen(
    createApp({
      client,
      namespace: 'default',
      callbackSecret: secret,
      temporalUiUrl: 'http://127.0.0.1:8233',
      start: { taskQueue: 'bench-no-worker' },
      logger,
      // Thousands of callbacks to 100 conversions measure the signal path; the per-conversion
      // budget (made for a provider's few) would answer most of them 429 instead.
      callbackLimit: { burst: Number.MAX_SAFE_INTEGER, refillSeconds: 1 },
    }),
    0,
    '127.0.0.1',
  );
  try {
    say(`starting ${WORKFLOWS} conversions to signal (no worker: they only record signals)`);
    const run = randomBytes(4).toString('hex');
    const handles: WorkflowHandle[] = [];
    for (let i = 0; i < WORKFLOWS; i++) {
      const { conversionId } = await startConversion(client, { audioId: `bench-${run}-${i}` }, { taskQueue: 'bench-no-worker' });
      handles.push(client.workflow.getHandle(conversionId));
    }
    const urls = handles.map((h) => `${server.url}/callbacks/wav/${h.workflowId}/${callbackSignature(h.workflowId, secret)}`);
    const body = (i: number) => ({ code: 200, msg: 'success', data: { task_id: `task-${i}`, audio_wav_url: `https://files.example/${i}.wav` } });

    // The provider is another machine: its HTTP client runs in a process of its own, so the
    // receiver's thread does only the receiver's work.
    const load = fork(join(__dirname, 'callback-load.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const receiverRound = () =>
      new Promise<Round>((done, fail) => {
        load.once('message', (m: Round | { error: string }) => ('error' in m ? fail(new Error(m.error)) : done(m)));
        load.send({ urls, requests: REQUESTS, concurrency: CONCURRENCY });
      });
    const raw = async (i: number) => {
      const b = body(i);
      await (handles[i % WORKFLOWS] as WorkflowHandle).signal(providerCallbackSignal, { taskId: b.data.task_id, code: b.code, msg: b.msg, audioWavUrl: b.data.audio_wav_url });
    };

    say('warming up');
    await round(raw);
    await receiverRound();
    const rawRounds: Round[] = [];
    const receiverRounds: Round[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      rawRounds.push(await round(raw));
      receiverRounds.push(await receiverRound());
      say(`round ${r}: raw ${rawRounds.at(-1)?.perSec.toFixed(0)}/s, receiver ${receiverRounds.at(-1)?.perSec.toFixed(0)}/s`);
    }

    const rawPerSec = median(rawRounds.map((r) => r.perSec));
    const receiverPerSec = median(receiverRounds.map((r) => r.perSec));
    const latencies = receiverRounds.flatMap((r) => r.latencies);
    const rawLatencies = rawRounds.flatMap((r) => r.latencies);
    const figures = {
      receiverPerSec: round1(receiverPerSec),
      rawSignalPerSec: round1(rawPerSec),
      ratio: round3(receiverPerSec / rawPerSec),
      p50Ms: round1(quantile(latencies, 0.5)),
      p99Ms: round1(quantile(latencies, 0.99)),
      rawP50Ms: round1(quantile(rawLatencies, 0.5)),
      rawP99Ms: round1(quantile(rawLatencies, 0.99)),
      requestsPerRound: REQUESTS,
      rounds: ROUNDS,
      concurrency: CONCURRENCY,
    };
    const rows: Array<[string, string, string]> = [
      ['receiver callbacks/s (median of rounds)', String(figures.receiverPerSec), ''],
      ['raw handle.signal/s (median of rounds)', String(figures.rawSignalPerSec), ''],
      ['ratio receiver / raw', String(figures.ratio), `goal ≥ ${GOALS.ratio}: ${figures.ratio >= GOALS.ratio ? 'met' : 'missed'}`],
      ['receiver p50 latency ms', String(figures.p50Ms), `raw ${figures.rawP50Ms}`],
      ['receiver p99 latency ms', String(figures.p99Ms), `goal ≤ ${GOALS.p99Ms}: ${figures.p99Ms <= GOALS.p99Ms ? 'met' : 'missed'}; raw ${figures.rawP99Ms}`],
    ];
    console.log(`\ncallbacks at concurrency ${CONCURRENCY}, ${REQUESTS} requests x ${ROUNDS} rounds each\n`);
    for (const [name, value, note] of rows) console.log(`${name.padEnd(42)} ${value.padStart(10)}  ${note}`);
    console.log(JSON.stringify(figures));
    load.kill();
  } finally {
    await server.close();
    await connection.close();
    await temporal.stop();
    await devNull.close();
  }
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const round3 = (n: number) => Math.round(n * 1000) / 1000;


main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
