import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { fork } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { startConversion } from '../src/conversions';
import { callbackSignature } from '../src/provider';
import { freePort, obtainTemporalCli, startDevServer } from '../src/local-servers';
import type { ServerProcessConfig } from './processes/server';
import { providerCallbackSignal } from '../src/workflows';
import { Cleanup, cpuSeconds, forkChild, measure, median, projectDir, quantile, say, stopChild, type Round } from './support';

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
  const cleanup = new Cleanup();
  cleanup.closeOnSignals();
  const temporal = await startDevServer({ cliPath, port, uiPort: null, namespace: 'default', log: say });
  cleanup.add(() => temporal.stop());
  const connection = await Connection.connect({ address: temporal.address });
  cleanup.add(() => connection.close());
  const client = new Client({ connection });
  const secret = randomBytes(32).toString('base64url');
  // The receiver in a process of its own, as in production: its CPU time is then its own, and
  // BENCH_PROFILE_DIR profiles it alone (node --cpu-prof).
  const workDir = await mkdtemp(join(tmpdir(), 'wavflow-bench-callbacks-'));
  cleanup.add(() => rm(workDir, { recursive: true, force: true }));
  const serverConfig: ServerProcessConfig = {
    temporalAddress: temporal.address,
    callbackSecret: secret,
    start: { taskQueue: 'bench-no-worker' },
    // Logging stays on, as in production, but into /dev/null: its cost is measured, not the terminal's.
    logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
    // Thousands of callbacks to 100 conversions measure the signal path; the per-conversion
    // budget (made for a provider's few) would answer most of them 429 instead.
    callbackLimit: { burst: Number.MAX_SAFE_INTEGER, refillSeconds: 1 },
  };
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  const receiver = await forkChild<{ type: 'ready'; url: string }>(
    join(__dirname, 'processes/server.js'),
    { WAVFLOW_BENCH_SERVER: JSON.stringify(serverConfig) },
    join(workDir, 'server.log'),
    120_000,
    profile,
  );
  cleanup.add(() => stopChild(receiver.child));
  const server = { url: receiver.ready.url };
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
    const load = fork(join(__dirname, 'processes/callback-load.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    cleanup.add(() => load.kill());
    const receiverRound = () =>
      new Promise<Round>((done, fail) => {
        load.once('message', (m: Round | { error: string }) => ('error' in m ? fail(new Error(m.error)) : done(m)));
        load.send({ urls, requests: REQUESTS, concurrency: CONCURRENCY });
      });
    // CPU per request of each process over a round: where the receiver's extra time goes.
    const cpu = () => ({
      'temporal server': cpuSeconds(temporal.pid ?? NaN),
      receiver: cpuSeconds(receiver.child.pid),
      'raw client (bench)': cpuSeconds(process.pid),
      'provider load': cpuSeconds(load.pid ?? NaN),
    });
    const cpuUsPerRequest: Record<'receiver' | 'raw', Record<string, number[]>> = { receiver: {}, raw: {} };
    const timed = async (side: 'receiver' | 'raw', go: () => Promise<Round>) => {
      const before = cpu();
      const result = await go();
      const after = cpu();
      for (const [name, v] of Object.entries(after)) (cpuUsPerRequest[side][name] ??= []).push((1e6 * (v - before[name as keyof typeof before])) / REQUESTS);
      return result;
    };
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
      rawRounds.push(await timed('raw', () => round(raw)));
      receiverRounds.push(await timed('receiver', receiverRound));
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
      cpuUsPerRequest: Object.fromEntries(
        (['receiver', 'raw'] as const).map((side) => [side, Object.fromEntries(Object.entries(cpuUsPerRequest[side]).map(([name, v]) => [name, Math.round(median(v))]))]),
      ),
      requestsPerRound: REQUESTS,
      rounds: ROUNDS,
      concurrency: CONCURRENCY,
    };
    const meetsGoals = { ratio: figures.ratio >= GOALS.ratio, p99Ms: figures.p99Ms <= GOALS.p99Ms };
    const met = (ok: boolean) => (ok ? 'met' : 'MISSED');
    const rows: Array<[string, string, string]> = [
      ['receiver callbacks/s (median of rounds)', String(figures.receiverPerSec), ''],
      ['raw handle.signal/s (median of rounds)', String(figures.rawSignalPerSec), ''],
      ['ratio receiver / raw', String(figures.ratio), `goal ≥ ${GOALS.ratio}: ${met(meetsGoals.ratio)}`],
      ['receiver p50 latency ms', String(figures.p50Ms), `raw ${figures.rawP50Ms}`],
      ['receiver p99 latency ms', String(figures.p99Ms), `goal ≤ ${GOALS.p99Ms}: ${met(meetsGoals.p99Ms)}; raw ${figures.rawP99Ms}`],
    ];
    console.log(`\ncallbacks at concurrency ${CONCURRENCY}, ${REQUESTS} requests x ${ROUNDS} rounds each\n`);
    for (const [name, value, note] of rows) console.log(`${name.padEnd(42)} ${value.padStart(10)}  ${note}`);
    for (const name of Object.keys(figures.cpuUsPerRequest.receiver ?? {})) {
      console.log(`CPU µs per request, ${name}`.padEnd(43) + `${String(figures.cpuUsPerRequest.receiver?.[name]).padStart(10)}  raw ${figures.cpuUsPerRequest.raw?.[name]}`);
    }
    console.log(JSON.stringify({ ...figures, meetsGoals }));
    load.kill();
  } finally {
    await cleanup.close();
  }
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const round3 = (n: number) => Math.round(n * 1000) / 1000;


main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
