import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import pino from 'pino';
import { startConversion, waitForConversion, type StartOptions } from '../src/conversions';
import { FileStore } from '../src/download';
import { ProviderApi } from '../src/provider';
import { startSandbox } from '../src/sandbox';
import { createApp, listen } from '../src/server';
import { freePort, obtainTemporalCli, startDevServer } from '../src/local-servers';
import { installTemporalRuntime } from '../src/temporal';
import { createWorker } from '../src/app';
import type { Phase } from '../src/workflows';
import { sampleSum, scrape, type Sample } from '../test/support/prometheus';
import { Cleanup, projectDir, round, say, sleep, table } from './support';
import { connectWatchers, perPath, snapshot, watchOnAllPaths, WATCH_PATHS as PATHS, type WatchCost as PathCost, type WatchPath as Path, type WatchSnapshot as Snapshot } from './cost/watchers';

/**
 * `npm run bench:client`: what a client costs Temporal while it follows a conversion, counted in
 * round trips on its own connection (a gRPC interceptor) and in query actions on the server's own
 * metrics, before (v0.1.0's code, kept below as the baseline) and after, on the same conversions
 * in one run; then what eager workflow start saves where the API and the worker share a process.
 *
 * Paths, each watching the same conversion at the same time:
 * - `convert --wait` (with its download progress, as on a terminal): v0.1.0 read the status query
 *   every 500 ms; now a long poll of the history, and describe while downloading;
 * - a client polling `GET /v1/conversions/:id` every second: v0.1.0's route sent describe and a
 *   query per request (`getConversion`, kept); now readConversion with the route's cache.
 * Conversions: a short one (callback after 2 s, a 5 s WAV: `npm start`'s demo) and a long wait
 * (callbacks dropped, 5 s polls, the provider done after BENCH_WAIT_SECONDS, default 120 s),
 * whose per-minute rate while waiting is extrapolated to an hour.
 */

const WAIT_SECONDS = Number(process.env.BENCH_WAIT_SECONDS ?? 120);
const EAGER_CONVERSIONS = Number(process.env.BENCH_EAGER_CONVERSIONS ?? 20);
const TASK_QUEUE = 'wavflow-bench-client';
const STEADY_AFTER_MS = 10_000;

interface ScenarioCost {
  seconds: number;
  /** Per path, for the whole conversion. */
  total: Record<Path, PathCost>;
  /** Query actions the server counted during the scenario (all four paths). */
  serverQueryActions: number;
  /** The long wait only: per minute of the `waiting` phase. */
  /** How long the `waiting` phase lasted. */
  waitingMinutes?: number;
  /**
   * Per minute of waiting, from STEADY_AFTER_MS into the phase to its end: what each further
   * minute of a longer wait costs (what a path pays on entering the phase is in `total`).
   */
  perMinuteWaiting?: Record<Path, { queries: number; rpcs: number }>;
}

async function main(): Promise<void> {
  const workDir = await mkdtemp(join(tmpdir(), 'wavflow-bench-client-'));
  const cleanup = new Cleanup();
  cleanup.add(() => rm(workDir, { recursive: true, force: true }));
  cleanup.closeOnSignals();
  try {
    // The worker's own metrics too: which workflow tasks came by a poll, and how many ran.
    const workerMetricsAddress = `127.0.0.1:${await freePort()}`;
    installTemporalRuntime({ logger: pino({ level: 'error' }), metricsBindAddress: workerMetricsAddress });
    const workerMetrics = () => scrape(`http://${workerMetricsAddress}/metrics`);
    const cliPath = await obtainTemporalCli({ projectDir, explicitPath: process.env.TEMPORAL_CLI_PATH, log: say });
    const metricsPort = await freePort();
    const temporal = await startDevServer({ cliPath, port: await freePort(), uiPort: null, namespace: 'default', metricsPort, log: say });
    cleanup.add(() => temporal.stop());
    const serverMetrics = () => scrape(`http://127.0.0.1:${metricsPort}/metrics`);

    // `npm start`'s sandbox: the provider converts in 2 s, files of 5 s.
    const sandbox = await startSandbox({ apiKey: 'bench-key', variant: 'sunoapi', conversionDelayMs: 2_000, wavSeconds: 5, timeScale: 1, publicHost: 'localhost' });
    cleanup.add(() => sandbox.close());

    // As under `npm start`: the API's client on the worker's connection, starting eagerly.
    const native = await NativeConnection.connect({ address: temporal.address });
    cleanup.add(() => native.close());
    const callbackSecret = 'bench-callback-secret-0123456789';
    const logger = pino({ level: 'silent' });
    const appFor = (client: Client, start: StartOptions) =>
      listen(createApp({ client, namespace: 'default', callbackSecret, temporalUiUrl: 'http://127.0.0.1:8233', start, logger }), 0, '127.0.0.1');
    const eagerClient = new Client({ connection: native });
    const eagerApi = await appFor(eagerClient, { taskQueue: TASK_QUEUE, eagerStart: true, startedBy: 'bench' });
    cleanup.add(() => eagerApi.close());
    // As before: the API's client on a connection of its own, starting as any remote client does.
    const plainConnection = await Connection.connect({ address: temporal.address });
    cleanup.add(() => plainConnection.close());
    const plainClient = new Client({ connection: plainConnection });

    say('bundling the workflows and starting the worker');
    const worker = await createWorker({
      connection: native,
      namespace: 'default',
      taskQueue: TASK_QUEUE,
      activities: {
        provider: new ProviderApi({ baseUrl: sandbox.url, apiKey: sandbox.apiKey, variant: 'sunoapi', timeoutMs: 5_000 }),
        publicBaseUrl: eagerApi.url,
        callbackSecret,
        download: {
          store: new FileStore(join(workDir, 'wav')),
          addressPolicy: { allowPrivate: false, allowedHosts: [`localhost:${new URL(sandbox.url).port}`] },
          maxBytes: 64 * 1024 ** 2,
          minFreeBytes: 0,
          connectTimeoutMs: 5_000,
          idleTimeoutMs: 5_000,
        },
        retryBackoff: { baseMs: 100, maxMs: 1_000 },
      },
      providerRatePerSecond: 100,
    });
    const running = worker.run();
    cleanup.add(async () => {
      worker.shutdown();
      await running;
    });

    const watchers = await connectWatchers(temporal.address);
    for (const w of Object.values(watchers)) cleanup.add(() => w.close());
    const pollingApi = await appFor(watchers.apiPollAfter.client, { taskQueue: TASK_QUEUE });
    cleanup.add(() => pollingApi.close());

    const scenario = async (label: string, audioId: string, pollIntervalSeconds: number, measureWaiting = false): Promise<ScenarioCost> => {
      say(`${label}: converting ${audioId}`);
      const queriesBefore = queryActions(await serverMetrics());
      const before = snapshot(watchers);
      const started = Date.now();
      const { conversionId } = await startConversion(eagerClient, { audioId, pollIntervalSeconds }, { taskQueue: TASK_QUEUE, eagerStart: true, startedBy: 'bench' });
      const handle = eagerClient.workflow.getHandle(conversionId);
      let waitingEntered: number | undefined;
      let waitingFrom: { at: number; counts: Snapshot } | undefined;
      let waitingTo: { at: number; counts: Snapshot } | undefined;
      let steadyTimer: NodeJS.Timeout | undefined;
      await watchOnAllPaths(watchers, conversionId, pollingApi.url, (phase: Phase) => {
        if (phase === 'waiting') {
          waitingEntered = Date.now();
          steadyTimer = setTimeout(() => (waitingFrom = { at: Date.now(), counts: snapshot(watchers) }), STEADY_AFTER_MS);
        }
        if (phase === 'downloading') {
          clearTimeout(steadyTimer);
          waitingTo = { at: Date.now(), counts: snapshot(watchers) };
        }
      });
      await settled(handle);
      const seconds = (Date.now() - started) / 1000;
      const after = snapshot(watchers);
      const cost: ScenarioCost = {
        seconds: round(seconds, 1),
        total: perPath(before, after),
        serverQueryActions: queryActions(await serverMetrics()) - queriesBefore,
      };
      if (measureWaiting && waitingEntered && waitingFrom && waitingTo) {
        const minutes = (waitingTo.at - waitingFrom.at) / 60_000;
        const window = perPath(waitingFrom.counts, waitingTo.counts);
        cost.waitingMinutes = round((waitingTo.at - waitingEntered) / 60_000, 2);
        cost.perMinuteWaiting = Object.fromEntries(PATHS.map((p) => [p, { queries: round(window[p].queries / minutes, 1), rpcs: round(window[p].rpcs / minutes, 1) }])) as Record<Path, { queries: number; rpcs: number }>;
      }
      return cost;
    };

    const short = await scenario('short conversion', `bench-short-${Date.now()}`, 30);
    const longId = `bench-wait-${Date.now()}`;
    sandbox.setScenario(longId, { callback: 'drop', conversionDelayMs: WAIT_SECONDS * 1000 });
    const long = await scenario(`a ${WAIT_SECONDS} s wait (callbacks dropped, 5 s polls)`, longId, 5, true);

    const eager = await eagerStartCost(eagerClient, plainClient, serverMetrics, workerMetrics);

    report(short, long, eager);
  } finally {
    await cleanup.close();
  }
}

const settled = (handle: WorkflowHandle) => handle.result().catch(() => undefined);

const queryActions = (samples: Sample[]) => sampleSum(samples, 'action', { action_type: 'grpc_QueryWorkflow' });

interface EagerCost {
  conversions: number;
  /** How many of the eager starts the server did start eagerly. */
  eagerlyStarted: number;
  /** Per conversion, from the server's metrics: the first workflow task's trip through matching. */
  perConversion: Record<'eager' | 'plain', Record<string, number>>;
}

/**
 * EAGER_CONVERSIONS conversions through each API client (one after another, alternating) as the
 * route starts them, counted on the server: with eager start the first workflow task rides in
 * the start's answer, so history does not hand it to matching, and no worker poll carries it.
 */
async function eagerStartCost(eagerClient: Client, plainClient: Client, serverMetrics: () => Promise<Sample[]>, workerMetrics: () => Promise<Sample[]>): Promise<EagerCost> {
  const server = {
    // History hands a workflow task to matching; matching records it started when a poll takes it.
    matchingAddWorkflowTask: ['service_requests', { operation: 'AddWorkflowTask', service_name: 'matching' }],
    recordWorkflowTaskStarted: ['service_requests', { operation: 'RecordWorkflowTaskStarted', service_name: 'history' }],
  } as const;
  const worker = {
    workflowTasksRun: ['temporal_workflow_task_execution_latency_count', { task_queue: TASK_QUEUE }],
    workflowTasksByPoll: ['temporal_workflow_task_queue_poll_succeed_total', { task_queue: TASK_QUEUE }],
  } as const;
  const totals = { eager: {} as Record<string, number>, plain: {} as Record<string, number> };
  let eagerlyStarted = 0;
  for (let i = 0; i < EAGER_CONVERSIONS * 2; i++) {
    const kind = i % 2 ? 'plain' : 'eager';
    const client = kind === 'eager' ? eagerClient : plainClient;
    const before = { server: await serverMetrics(), worker: await workerMetrics() };
    const started = await startConversion(client, { audioId: `bench-eager-${Date.now()}-${i}`, pollIntervalSeconds: 30 }, { taskQueue: TASK_QUEUE, eagerStart: kind === 'eager', startedBy: 'bench' });
    if (started.eagerlyStarted) eagerlyStarted++;
    await waitForConversion(client, started.conversionId);
    // The worker's last task completion and its next poll reach the server's counters.
    await sleep(300);
    const after = { server: await serverMetrics(), worker: await workerMetrics() };
    const count = (counters: Record<string, readonly [string, Record<string, string>]>, from: Sample[], to: Sample[]) => {
      for (const [name, [metric, labels]] of Object.entries(counters)) totals[kind][name] = (totals[kind][name] ?? 0) + sampleSum(to, metric, labels) - sampleSum(from, metric, labels);
    };
    count(server, before.server, after.server);
    count(worker, before.worker, after.worker);
  }
  const per = (t: Record<string, number>) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, round(v / EAGER_CONVERSIONS, 2)]));
  return { conversions: EAGER_CONVERSIONS, eagerlyStarted, perConversion: { eager: per(totals.eager), plain: per(totals.plain) } };
}

/**
 * A one-hour wait, per path: the measured long conversion, plus the steady per-minute rate for the
 * minutes of waiting it did not have.
 */
function report(short: ScenarioCost, long: ScenarioCost, eager: EagerCost): void {
  const rows = [['path', 'short: queries', 'short: RPCs', 'wait: queries/min', 'wait: RPCs/min', '1 h wait: queries', '1 h wait: RPCs']];
  const oneHourWait: Record<string, { queries: number; rpcs: number }> = {};
  const extraMinutes = 60 - (long.waitingMinutes ?? NaN);
  for (const p of PATHS) {
    const rate = long.perMinuteWaiting?.[p] ?? { queries: NaN, rpcs: NaN };
    oneHourWait[p] = { queries: Math.round(long.total[p].queries + rate.queries * extraMinutes), rpcs: Math.round(long.total[p].rpcs + rate.rpcs * extraMinutes) };
    rows.push([p, String(short.total[p].queries), String(short.total[p].rpcs), String(rate.queries), String(rate.rpcs), String(oneHourWait[p].queries), String(oneHourWait[p].rpcs)]);
  }
  console.log(table(rows));
  console.log(`short: ${short.seconds} s; wait: ${long.seconds} s of which ${long.waitingMinutes ?? '?'} min waiting; query actions on the server: ${short.serverQueryActions} and ${long.serverQueryActions}`);
  const eagerRows = [['per conversion', ...Object.keys(eager.perConversion.eager)]];
  for (const kind of ['plain', 'eager'] as const) eagerRows.push([kind, ...Object.values(eager.perConversion[kind]).map(String)]);
  console.log(table(eagerRows));
  console.log(`eagerly started: ${eager.eagerlyStarted} of ${eager.conversions}`);
  console.log(JSON.stringify({ short, long, oneHourWait, eagerStart: eager }));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
