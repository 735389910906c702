import { randomInt } from 'node:crypto';
import { Command, InvalidArgumentError } from 'commander';
import { figures, printReport } from './chaos/report';
import { runChaos, type ChaosOptions } from './chaos/run';

/**
 * `npm run chaos`: N conversions through a whole wavflow stack while callbacks are dropped,
 * tripled and refused, downloads cut, URLs expired, provider tasks failed, forged callbacks
 * posted, workers SIGKILLed and the HTTP server and Temporal restarted (with --cluster: on the
 * project's cluster harness, a history node and every Temporal process SIGKILLed and PostgreSQL
 * restarted immediately). Prints a table, then one
 * JSON line; exits 1 when anything was lost, corrupt, duplicated, stuck, left over or forged.
 * Progress goes to stderr. See bench/README.md.
 */

const count = (min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`must be an integer ≥ ${min}`);
  return n;
};
const positive = (value: string) => {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError('must be a positive number');
  return n;
};
const env = (name: string) => process.env[name] || undefined;
const storeKind = (value: string): 'file' | 's3' => {
  if (value !== 'file' && value !== 's3') throw new InvalidArgumentError('must be file or s3');
  return value;
};
const abort = new AbortController();

const program = new Command('chaos')
  .description('a chaos run of wavflow with figures (see bench/README.md)')
  .option('-n, --conversions <n>', 'conversions (CHAOS_CONVERSIONS)', count(2), Number(env('CHAOS_CONVERSIONS') ?? 200))
  .option('--seed <n>', 'seed of the fault plan (CHAOS_SEED); random when absent', count(0), env('CHAOS_SEED') === undefined ? undefined : Number(env('CHAOS_SEED')))
  .option('--worker-kills <n>', 'SIGKILLs of a worker (CHAOS_WORKER_KILLS)', count(0), Number(env('CHAOS_WORKER_KILLS') ?? 3))
  .option('--http-restarts <n>', 'restarts of the HTTP server (CHAOS_HTTP_RESTARTS)', count(0), Number(env('CHAOS_HTTP_RESTARTS') ?? 1))
  .option('--temporal-restarts <n>', 'restarts of the Temporal dev server (CHAOS_TEMPORAL_RESTARTS; 0 with --cluster)', count(0), env('CHAOS_TEMPORAL_RESTARTS') === undefined ? undefined : Number(env('CHAOS_TEMPORAL_RESTARTS')))
  .option('--cluster', "run on the project's Temporal cluster harness instead of the dev server (CHAOS_TEMPORAL=cluster)", env('CHAOS_TEMPORAL') === 'cluster')
  .option('--history-node-kills <n>', 'with --cluster: SIGKILLs of one history node (CHAOS_HISTORY_NODE_KILLS)', count(0), Number(env('CHAOS_HISTORY_NODE_KILLS') ?? 1))
  .option('--temporal-kills <n>', 'with --cluster: SIGKILLs of every Temporal process at once (CHAOS_TEMPORAL_KILLS)', count(0), Number(env('CHAOS_TEMPORAL_KILLS') ?? 1))
  .option('--postgres-restarts <n>', 'with --cluster: `pg_ctl stop -m immediate` and a start (CHAOS_POSTGRES_RESTARTS)', count(0), Number(env('CHAOS_POSTGRES_RESTARTS') ?? 1))
  .option('--forged-per-second <n>', 'forged callbacks per second (CHAOS_FORGED_PER_SECOND)', positive, Number(env('CHAOS_FORGED_PER_SECOND') ?? 5))
  .option('--start-per-second <n>', 'conversions started per second (CHAOS_START_PER_SECOND)', positive, Number(env('CHAOS_START_PER_SECOND') ?? 4))
  .option('--poll-interval <seconds>', 'record-info poll interval, at least 5 (CHAOS_POLL_INTERVAL_SECONDS)', positive, Number(env('CHAOS_POLL_INTERVAL_SECONDS') ?? 5))
  .option('--time-scale <x>', "scale of the provider's callback retry schedule (CHAOS_TIME_SCALE)", positive, Number(env('CHAOS_TIME_SCALE') ?? 0.02))
  .option('--timeout <seconds>', 'after this, running conversions count as stuck (CHAOS_TIMEOUT_SECONDS)', positive, env('CHAOS_TIMEOUT_SECONDS') === undefined ? undefined : Number(env('CHAOS_TIMEOUT_SECONDS')))
  .option('--keep', 'keep the working directory (CHAOS_KEEP=1)', env('CHAOS_KEEP') === '1')
  .option('--store <kind>', 'where workers put the files: file or s3, a SeaweedFS bucket (CHAOS_STORE)', storeKind, storeKind(env('CHAOS_STORE') ?? 'file'));

async function main(): Promise<void> {
  const opts = program.parse().opts<{
    conversions: number;
    seed?: number;
    workerKills: number;
    httpRestarts: number;
    temporalRestarts?: number;
    cluster: boolean;
    historyNodeKills: number;
    temporalKills: number;
    postgresRestarts: number;
    forgedPerSecond: number;
    startPerSecond: number;
    pollInterval: number;
    timeScale: number;
    timeout?: number;
    keep: boolean;
    store: 'file' | 's3';
  }>();
  const seed = opts.seed ?? randomInt(0, 2 ** 31);
  const log = (message: string) => console.error(`chaos | ${message}`);
  const options: ChaosOptions = {
    seed,
    conversions: opts.conversions,
    workerKills: opts.workerKills,
    httpRestarts: opts.httpRestarts,
    temporalRestarts: opts.temporalRestarts ?? (opts.cluster ? 0 : 1),
    ...(opts.cluster ? { temporal: 'cluster' as const, historyNodeKills: opts.historyNodeKills, temporalKills: opts.temporalKills, postgresRestarts: opts.postgresRestarts } : {}),
    forgedPerSecond: opts.forgedPerSecond,
    startPerSecond: opts.startPerSecond,
    pollIntervalSeconds: opts.pollInterval,
    timeScale: opts.timeScale,
    // Enough for the starts, the faults and the slowest recoveries, on a busy machine.
    timeoutSeconds: opts.timeout ?? 180 + opts.conversions / opts.startPerSecond,
    keep: opts.keep,
    store: opts.store,
    log,
  };
  log(`seed ${seed} (CHAOS_SEED=${seed} or --seed ${seed} reproduces this fault plan)`);
  // Ctrl-C stops everything the run started (Temporal's processes run in their own process groups).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => abort.abort());
  options.signal = abort.signal;
  const run = await runChaos(options);
  const f = figures(run);
  printReport(run, f, (line) => console.log(line));
  // A fault the run never reached (it timed out first) proves nothing: that run fails too.
  const missed = run.plan.events.length - run.faults.length;
  if (missed > 0) log(`${missed} planned faults did not happen before the deadline`);
  console.log(JSON.stringify(f));
  process.exitCode = f.ok && missed === 0 ? 0 : 1;
}

main().catch((err: unknown) => {
  console.error(abort.signal.aborted ? 'chaos | aborted' : err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(abort.signal.aborted ? 130 : 2);
});
