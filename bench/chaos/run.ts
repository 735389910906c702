import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startConversion } from '../../src/conversions';
import { mapWithConcurrency } from '../../src/lib';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { freePort } from '../../src/local-servers';
import { startForger, type ForgerStats } from './forger';
import { makePlan, Random, scenarioFor, type FaultEvent, type FaultPlan } from './plan';
import { figures } from './report';
import { builtCli, CliProcess } from './processes';
import { startReceiverFront, type ReceiverFront } from './receiver-front';
import { carryOut } from './faults';
import { openChaosStore } from './store';
import { startChaosTemporal } from './temporal';
import { checkConversion, type ConversionCheck } from './verify';
import { Cleanup, findProjectDir, pause, waitUntil } from '../support';

export interface ChaosOptions {
  seed: number;
  conversions: number;
  workerKills: number;
  httpRestarts: number;
  temporalRestarts: number;
  /** Forged callbacks per second, for the whole run. */
  forgedPerSecond: number;
  /** Conversions started per second (they overlap with the faults instead of all starting at once). */
  startPerSecond: number;
  pollIntervalSeconds: number;
  /** Scales the provider's callback retry schedule (1, 5, 15 min). */
  timeScale: number;
  /** How long the run may take before whatever still runs counts as stuck. */
  timeoutSeconds: number;
  /** Keep the working directory (logs, database, files) even when the run passes. */
  keep: boolean;
  /** Where the workers put the files (CHAOS_STORE): a local directory, or a bucket on SeaweedFS. Default file. */
  store?: 'file' | 's3';
  log: (message: string) => void;
  /** Stops the run early (Ctrl-C): everything started is stopped and the directory kept. */
  signal?: AbortSignal;
  /** The dev server (default), or the project's cluster harness with its own faults (historyNodeKills, temporalKills, postgresRestarts). */
  temporal?: 'dev' | 'cluster';
  historyNodeKills?: number;
  temporalKills?: number;
  postgresRestarts?: number;
}

export interface FaultLogEntry extends FaultEvent {
  /** Seconds since the start of the run. */
  at: number;
  /** Conversions started and finished when it happened. */
  started: number;
  settled: number;
  /** history-node-kill: conversions that finished while the node was dead, and how long its shards took to move. */
  settledWhileDown?: number;
  failoverSeconds?: number;
  shardsMoved?: number;
}

export interface ChaosRun {
  options: ChaosOptions;
  plan: FaultPlan;
  checks: ConversionCheck[];
  faults: FaultLogEntry[];
  forger: ForgerStats;
  /** Per provider task: its callback delivery attempts, in order (HTTP status or network error). */
  deliveries: Map<string, Array<number | string>>;
  sandboxTasks: Array<{ wavTaskId: string; audioId?: string | undefined; bytesServed: number; fileBytes: number }>;
  receiverDropped: number;
  /** wavflow processes that exited without being told to. */
  crashes: string[];
  /** Cluster processes (Temporal services, PostgreSQL) that exited without being told to; each was started again, as a supervisor would. */
  temporalExits: string[];
  partFilesLeft: string[];
  /** Multipart uploads left in the bucket at the end (S3 store). */
  orphanedUploads: string[];
  store: 'file' | 's3';
  wallSeconds: number;
  workDir: string;
  kept: boolean;
}

const TASK_QUEUE = 'chaos';
const SANDBOX_KEY = 'chaos-sandbox-key';

/**
 * One chaos run: its own Temporal (a dev server on a SQLite file, or the cluster harness), sandbox, receiver front, HTTP server
 * process and two worker processes; N conversions under the planned faults; then the checks.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosRun> {
  const { signal } = options;
  const sleep = (ms: number) => pause(ms, signal);
  const until = (what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs?: number) => waitUntil(what, check, timeoutMs, { ...(everyMs === undefined ? {} : { everyMs }), ...(signal ? { signal } : {}) });
  /** A wait that timed out is an answer; an abort ends the run. */
  const unlessAborted = (err: unknown) => {
    if (signal?.aborted) throw err;
  };
  const started = Date.now();
  const since = () => Math.round((Date.now() - started) / 100) / 10;
  const say = (message: string) => options.log(`${since().toFixed(1).padStart(6)}s  ${message}`);
  const plan = makePlan(options);
  const projectDir = findProjectDir();
  const cliPath = builtCli(projectDir);
  const workDir = await mkdtemp(join(tmpdir(), 'wavflow-chaos-'));
  const cleanup = new Cleanup(options.log);
  let failed = true;

  try {
    const temporal = await startChaosTemporal(options.temporal ?? 'dev', projectDir, workDir, say);
    cleanup.add(() => temporal.stop());
    say(temporal.description);
    const store = await openChaosStore(options.store ?? 'file', workDir, projectDir, say);
    cleanup.add(() => store.stop());
    const connection = await Connection.connect({ address: temporal.address });
    cleanup.add(() => connection.close());
    const client = new Client({ connection });

    const callbackSecret = randomBytes(24).toString('base64url');
    const webhookHmacKey = randomBytes(24).toString('base64url');
    const sandbox: Sandbox = await startSandbox({
      apiKey: SANDBOX_KEY,
      variant: 'sunoapi',
      conversionDelayMs: 1_000,
      wavSeconds: 0.5,
      timeScale: options.timeScale,
      webhookHmacKey,
      fileDir: join(workDir, 'sandbox'),
    });
    cleanup.add(() => sandbox.close());
    for (const item of plan.items) sandbox.setScenario(item.audioId, scenarioFor(item));

    const serverPort = await freePort();
    const downFirst = new Set(plan.items.filter((i) => i.callback === 'receiver-down').map((i) => i.conversionId));
    const front: ReceiverFront = await startReceiverFront(serverPort, downFirst);
    cleanup.add(() => front.close());

    // The configuration every wavflow process gets, as environment variables (src/config/config.ts).
    const env: Record<string, string> = {
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      HOST: '127.0.0.1',
      PORT: String(serverPort),
      PUBLIC_BASE_URL: front.url,
      CALLBACK_SECRET: callbackSecret,
      PROVIDER_WEBHOOK_HMAC_KEY: webhookHmacKey,
      SANDBOX_PORT: new URL(sandbox.url).port,
      SANDBOX_API_KEY: SANDBOX_KEY,
      PROVIDER_TIMEOUT_MS: '5000',
      PROVIDER_RATE_LIMIT_PER_SECOND: '100',
      PROVIDER_RETRY_BASE_MS: '250',
      POLL_INTERVAL_SECONDS: String(options.pollIntervalSeconds),
      ...store.env,
      DOWNLOAD_MIN_FREE_BYTES: '0',
      DOWNLOAD_CONNECT_TIMEOUT_MS: '5000',
      DOWNLOAD_IDLE_TIMEOUT_MS: '5000',
      // Two workers on one machine: each picks a free metrics port.
      WORKER_METRICS_PORT: '0',
    };
    const server = new CliProcess('server', cliPath, 'server', env, join(workDir, 'server.log'));
    // At info, a worker says when it runs (a fault waits for that) and logs each conversion's steps.
    const workerEnv = { ...env, LOG_LEVEL: 'info' };
    const workers = [0, 1].map((i) => new CliProcess(`worker-${i + 1}`, cliPath, 'worker', workerEnv, join(workDir, `worker-${i + 1}.log`)));
    const processes = [server, ...workers];
    // Workers first: they finish what they run while the server is already gone.
    cleanup.add(() => Promise.all(workers.map((w) => w.stop())), () => server.stop());
    for (const p of processes) p.start();
    const serverUrl = `http://127.0.0.1:${serverPort}`;
    await until('the HTTP server', async () => (await fetch(`${serverUrl}/healthz`)).ok, 60_000);
    say(`HTTP server on ${serverUrl} behind ${front.url}; 2 workers; sandbox on ${sandbox.url}`);

    const random = new Random(options.seed ^ 0x5eed);
    const startedIds: string[] = [];
    const taskOf = (conversionId: string) => sandbox.tasks().find((t) => t.audioId === plan.items[Number(conversionId.split('-')[1])]?.audioId);
    const forger = startForger({
      receiverUrl: serverUrl,
      callbackSecret,
      webhookHmacKey,
      perSecond: options.forgedPerSecond,
      random,
      targets: {
        conversions: () => startedIds,
        wavTaskId: (id) => taskOf(id)?.wavTaskId,
        someFileUrl: () => {
          const withFile = sandbox.tasks().filter((t) => t.file);
          return withFile.length ? `${sandbox.url}/files/${random.pick(withFile).wavTaskId}.wav` : undefined;
        },
      },
    });
    cleanup.add(() => forger.stop());

    // Progress: how many conversions have closed, from visibility (it survives the Temporal restart).
    let settled = 0;
    const deadline = started + options.timeoutSeconds * 1000;
    const refresh = async () => {
      settled = Number((await client.workflow.count(`ExecutionStatus != 'Running'`)).count);
    };
    const progress = setInterval(() => void refresh().catch(() => {}), 1_000);
    cleanup.add(() => Promise.resolve(clearInterval(progress)));
    let lastReport = 0;
    const report = setInterval(() => {
      if (settled === lastReport && Date.now() - started < 5_000) return;
      lastReport = settled;
      say(`${startedIds.length}/${plan.conversions} started, ${settled} finished`);
    }, 10_000);
    cleanup.add(() => Promise.resolve(clearInterval(report)));

    const starting = startAll();
    // Awaited after the faults; until then a rejection (abort, deadline) must not crash the run mid-cleanup.
    starting.catch(() => undefined);
    async function startAll() {
      const gap = 1000 / options.startPerSecond;
      await mapWithConcurrency(plan.items, 4, async (item) => {
        await sleep(Math.max(0, started + item.index * gap - Date.now()));
        // Starting is idempotent (same id): retried through outages until it sticks.
        await until(
          `the start of ${item.conversionId}`,
          async () => {
            await startConversion(
              client,
              { conversionId: item.conversionId, audioId: item.audioId, pollIntervalSeconds: options.pollIntervalSeconds },
              { taskQueue: TASK_QUEUE, startedBy: 'chaos', input: { downloadHeartbeatTimeoutMs: 10_000, providerCallTimeoutMs: 15_000 } },
            );
            return true;
          },
          deadline - Date.now(),
          500,
        );
        startedIds.push(item.conversionId);
      });
    }

    const faults: FaultLogEntry[] = [];
    for (const event of plan.events) {
      await until(`${Math.ceil(event.afterShare * plan.conversions)} started conversions`, () => startedIds.length >= event.afterShare * plan.conversions, deadline - Date.now(), 100).catch(unlessAborted);
      if (Date.now() > deadline) break;
      const entry: FaultLogEntry = { ...event, at: since(), started: startedIds.length, settled };
      faults.push(entry);
      const counts = `${startedIds.length} started, ${settled} finished`;
      const cluster = temporal.cluster && {
        cluster: temporal.cluster,
        settled: async () => (await refresh().catch(() => {}), settled),
      };
      Object.assign(
        entry,
        await carryOut(event, { workers, server, serverUrl, temporal: () => temporal.devServer!(), restartTemporal: () => temporal.restartDevServer!(), cluster, say: (m) => say(`fault: ${m}`), counts, sleep, until }),
      );
    }

    await starting;
    await until('every conversion to finish', async () => (await refresh(), settled >= plan.conversions), Math.max(0, deadline - Date.now()), 1_000).catch((err: unknown) => {
      unlessAborted(err);
      say(`timed out with ${plan.conversions - settled} conversions still running`);
    });
    await forger.stop();
    say(`all finished; checking ${plan.conversions} conversions against the sandbox's records`);
    // Late callback retries may still be in the air: their answers are part of the record.
    const checks = await mapWithConcurrency(plan.items, 8, (item) => checkConversion(client, sandbox, store, item));
    const deliveries = new Map<string, Array<number | string>>();
    for (const attempt of sandbox.callbacks.attempts) deliveries.set(attempt.wavTaskId, [...(deliveries.get(attempt.wavTaskId) ?? []), attempt.outcome]);
    const run: ChaosRun = {
      options,
      plan,
      checks,
      faults,
      forger: forger.stats,
      deliveries,
      sandboxTasks: sandbox.tasks().map((t) => ({ wavTaskId: t.wavTaskId, audioId: t.audioId, bytesServed: t.bytesServed, fileBytes: t.file?.bytes ?? 0 })),
      receiverDropped: front.dropped.size,
      crashes: processes.flatMap((p) => p.crashes),
      temporalExits: temporal.cluster?.crashes() ?? [],
      partFilesLeft: await store.partFiles(),
      orphanedUploads: await store.orphanedUploads(),
      store: store.kind,
      wallSeconds: since(),
      workDir,
      kept: false,
    };
    failed = !figures(run).ok;
    if (failed) for (const p of processes) say(`${p.name} log (last lines):\n${await p.tail(15)}`);
    run.kept = options.keep || failed;
    return run;
  } finally {
    await cleanup.close();
    if (options.keep || failed) options.log(`kept ${workDir} (logs, temporal.db, WAV files)`);
    else await rm(workDir, { recursive: true, force: true });
  }
}
