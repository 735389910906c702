import { loadConfig } from '../src/config';
import { workerTuning } from '../src/app';
import { benchTemporalKind } from './temporal';
import { costPhase } from './pipeline/cost';
import { readDownloadRatio } from './pipeline/download-ratio';
import { memoryPhase } from './pipeline/memory';
import { reactionPhase } from './pipeline/reaction';
import { startApiPhase } from './pipeline/start-api';
import { throughputPhase, type BatchFigures } from './pipeline/throughput';
import { startPipelineStack } from './pipeline/stack';
import { closeOnSignals, round, say, table } from './support';

/**
 * `npm run bench`: the pipeline against the engine's own limit, each figure next to its baseline
 * from the same run, on one in-memory dev server: start API vs raw starts, reaction latency
 * (callback vs poll-only), throughput vs a do-nothing workflow of the same shape, worker memory
 * with 10,000 conversions waiting. BENCH_TEMPORAL=cluster runs it all against the project's cluster
 * harness instead. Prints a table, then one JSON line. The WORKER_* variables of
 * src/config/config.ts tune the workers; BENCH_* resize the run (see bench/README.md).
 */
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SIZES = {
  startRequests: env('BENCH_START_REQUESTS', 1_000),
  startRounds: env('BENCH_START_ROUNDS', 3),
  reactionConversions: env('BENCH_REACTION_CONVERSIONS', 200),
  releasePerSecond: env('BENCH_RELEASE_PER_SECOND', 10),
  pollConversions: env('BENCH_POLL_CONVERSIONS', 50),
  throughputConversions: env('BENCH_THROUGHPUT_CONVERSIONS', 1_000),
  memoryConversions: env('BENCH_MEMORY_CONVERSIONS', 10_000),
};
const GOALS = { reactionP99Ms: 100, pollOnlyRatio: 100, throughputRatio: 0.7, rssMiBAt10k: 1024, startApiRatio: 0.8 };
/** BENCH_ONLY=throughput,memory runs only those phases (for tuning; no table then). */
const ONLY = process.env.BENCH_ONLY?.split(',');
const only = async <T>(phase: string, run: () => Promise<T>) => (!ONLY || ONLY.includes(phase) ? run() : undefined);
/** The provider's real quota (2/s) would make every figure a measure of it; the bench lifts it. */
const PROVIDER_RATE = env('BENCH_PROVIDER_RATE_PER_SECOND', 1_000);
/** Both sides' workers versioned as in production (BENCH_VERSIONED=false: both unversioned). */
const VERSIONED = process.env.BENCH_VERSIONED !== 'false';

async function main(): Promise<void> {
  const startedAt = Date.now();
  if (process.platform !== 'linux') throw new Error('npm run bench reads /proc for CPU time and memory: Linux only');
  const config = loadConfig();
  const tuning = workerTuning(config);
  const stack = await startPipelineStack({ providerRatePerSecond: PROVIDER_RATE, tuning, serverLogLevel: config.LOG_LEVEL, workerLogLevel: 'INFO', versioned: VERSIONED });
  closeOnSignals(() => stack.close());
  let report;
  try {
    const start = await only('start', () => startApiPhase(stack, { requests: SIZES.startRequests, rounds: SIZES.startRounds, concurrency: 50 }));
    say(`start API: ${JSON.stringify(start)}`);
    const reaction = await only('reaction', () =>
      reactionPhase(stack, { callbackConversions: SIZES.reactionConversions, releasePerSecond: SIZES.releasePerSecond, pollConversions: SIZES.pollConversions, pollIntervalSeconds: 30 }),
    );
    say(`reaction: ${JSON.stringify(reaction)}`);
    const throughput = await only('throughput', () => throughputPhase(stack, SIZES.throughputConversions));
    say(`throughput: ${JSON.stringify(throughput)}`);
    const memory = await only('memory', () => memoryPhase(stack, SIZES.memoryConversions));
    say(`memory: ${JSON.stringify(memory)}`);
    const cost = await only('cost', costPhase);
    if (cost) say(`cost: ${JSON.stringify(cost)}`);
    if (!start || !reaction || !throughput || !memory || !cost) return say('BENCH_ONLY: the table needs every phase');
    report = { start, reaction, throughput, memory, cost, totalSeconds: round((Date.now() - startedAt) / 1000, 1) };
  } finally {
    await stack.close();
  }
  print(report, tuning);
}

type Report = {
  start: Awaited<ReturnType<typeof startApiPhase>>;
  cost: Awaited<ReturnType<typeof costPhase>>;
  reaction: Awaited<ReturnType<typeof reactionPhase>>;
  throughput: { wavflow: BatchFigures; baseline: BatchFigures };
  memory: Awaited<ReturnType<typeof memoryPhase>>;
  totalSeconds: number;
};

function print({ start, reaction, throughput, memory, cost, totalSeconds }: Report, tuning: object): void {
  const { wavflow, baseline } = throughput;
  const throughputRatio = wavflow.perSec / baseline.perSec;
  const costFigures = cost;
  const download = readDownloadRatio();
  const met = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const figures = {
    reactionP50Ms: reaction.reactionP50Ms,
    reactionP99Ms: reaction.reactionP99Ms,
    pollOnlyRatio: reaction.pollOnlyRatio,
    throughputPerSec: round(wavflow.perSec, 1),
    baselinePerSec: round(baseline.perSec, 1),
    throughputRatio: round(throughputRatio, 3),
    rssMiBAt10k: memory.rssMiBAt10k,
    completedAt10k: memory.completedAt10k,
    startApiRatio: start.startApiRatio,
  };
  const meetsGoals = {
    reactionP99Ms: figures.reactionP99Ms <= GOALS.reactionP99Ms,
    pollOnlyRatio: figures.pollOnlyRatio >= GOALS.pollOnlyRatio,
    throughputRatio: figures.throughputRatio >= GOALS.throughputRatio,
    rssMiBAt10k: figures.rssMiBAt10k <= GOALS.rssMiBAt10k && figures.completedAt10k === SIZES.memoryConversions,
    startApiRatio: figures.startApiRatio >= GOALS.startApiRatio,
    ...(costFigures.callbackActionsGoalMet !== undefined ? { callbackActions: costFigures.callbackActionsGoalMet } : {}),
  };

  const temporal = benchTemporalKind() === 'cluster' ? 'the Temporal cluster harness (PostgreSQL, 5 Temporal processes)' : 'one dev server (in memory)';
  console.log(`\nnpm run bench — ${temporal}, sandbox, HTTP server and a worker per phase, each its own process; ${totalSeconds} s\n`);
  console.log(
    table([
      ['figure', 'wavflow', 'baseline (same run)', 'ratio', 'goal', ''],
      ['start API /s, concurrency 50 (median of rounds)', String(start.startApiPerSec), `raw start ${start.rawStartPerSec}`, String(start.startApiRatio), '≥ 0.8', met(meetsGoals.startApiRatio)],
      ['start latency p50 / p99 ms', `${start.startApiP50Ms} / ${start.startApiP99Ms}`, `${start.rawStartP50Ms} / ${start.rawStartP99Ms}`, '', '', ''],
      ...Object.keys(start.startCpuMsPerRequest).map((name) => [`  CPU ms per start: ${name}`, String(start.startCpuMsPerRequest[name]), String(start.rawStartCpuMsPerRequest[name] ?? ''), '', '', '']),
      [`reaction p50 ms (callback sent → download started, n=${reaction.reactionConversions})`, String(reaction.reactionP50Ms), `poll-only ${reaction.pollOnlyP50Ms}`, `${reaction.pollOnlyP50Ratio}×`, '', ''],
      ['reaction p99 ms', String(reaction.reactionP99Ms), '', '', '≤ 100', met(meetsGoals.reactionP99Ms)],
      [`reaction mean ms (poll-only n=${reaction.pollOnlyConversions}, 30 s interval)`, String(reaction.reactionMeanMs), `poll-only ${reaction.pollOnlyMeanMs}`, `${reaction.pollOnlyRatio}×`, '≥ 100×', met(meetsGoals.pollOnlyRatio)],
      ['  of which callback sent → signal recorded p50 / p99 ms', `${reaction.callbackToSignalP50Ms} / ${reaction.callbackToSignalP99Ms}`, '', '', '', ''],
      ['  of which callback sent → download scheduled p50 / p99 ms', `${reaction.reactionScheduledP50Ms} / ${reaction.reactionScheduledP99Ms}`, '', '', '', ''],
      [`throughput /s (${wavflow.completed} conversions at once)`, figures.throughputPerSec.toString(), `do-nothing ${figures.baselinePerSec}`, String(figures.throughputRatio), '≥ 0.7', met(meetsGoals.throughputRatio)],
      ...Object.keys(wavflow.cpuSeconds).map((name) => [
        `  CPU ms per workflow: ${name}`,
        String(round((1000 * (wavflow.cpuSeconds[name] ?? 0)) / wavflow.completed, 2)),
        String(round((1000 * (baseline.cpuSeconds[name] ?? 0)) / baseline.completed, 2)),
        '',
        '',
        '',
      ]),
      [`worker RSS MiB, ${SIZES.memoryConversions} waiting`, String(memory.rssMiBAt10k), `idle ${memory.rssMiBIdle}`, '', '≤ 1024', met(meetsGoals.rssMiBAt10k)],
      ['  peak worker RSS MiB (build-up; whole phase)', `${memory.peakRssMiBWaiting}; ${memory.peakRssMiB}`, '', '', '', ''],
      ['  completed after release / drain s / per s', `${memory.completedAt10k} / ${memory.drainSeconds} / ${memory.drainPerSec}`, '', '', `all ${SIZES.memoryConversions}`, ''],
      ...Object.keys(costFigures.actionsPerConversion).map((path) => [
        `billable actions / events per conversion: ${path}`,
        `${costFigures.actionsPerConversion[path as keyof typeof costFigures.actionsPerConversion]} / ${costFigures.eventsPerConversion[path as keyof typeof costFigures.eventsPerConversion]}`,
        costFigures.actionsBaseline ? `${costFigures.actionsBaseline.release} ${costFigures.actionsBaseline[path as keyof typeof costFigures.actionsPerConversion]}` : '',
        path === 'callback' && costFigures.callbackActionsRatio !== undefined ? String(costFigures.callbackActionsRatio) : '',
        path === 'callback' ? '≤ 0.8' : '',
        path === 'callback' && costFigures.callbackActionsGoalMet !== undefined ? met(costFigures.callbackActionsGoalMet) : '',
      ]),
    ]),
  );
  console.log(`\nworker tuning: ${JSON.stringify(tuning)}; provider rate limit ${PROVIDER_RATE}/s; workers ${VERSIONED ? 'versioned (both sides)' : 'unversioned (both sides)'}`);
  console.log(download ? `downloadRatioVsNodeLoop ${download.ratio} from bench:download of ${download.at}` : 'downloadRatioVsNodeLoop: no bench:download result with it yet (see bench/README.md)');
  console.log(
    JSON.stringify({
      temporal: benchTemporalKind(),
      ...figures,
      actionsPerConversion: costFigures.actionsPerConversion,
      eventsPerConversion: costFigures.eventsPerConversion,
      actionsBaseline: costFigures.actionsBaseline,
      ...(download ? { downloadRatioVsNodeLoop: download.ratio } : {}),
      meetsGoals,
      callbackActionsRatio: costFigures.callbackActionsRatio,
      historyBytesPerConversion: costFigures.historyBytesPerConversion,
      ...start,
      ...reaction,
      throughputSeconds: round(wavflow.seconds, 1),
      baselineSeconds: round(baseline.seconds, 1),
      throughputStatuses: wavflow.statuses,
      cpuSecondsThroughput: wavflow.cpuSeconds,
      cpuSecondsBaseline: baseline.cpuSeconds,
      ...Object.fromEntries(Object.entries(memory).filter(([k]) => !['rssMiBAt10k', 'completedAt10k', 'statuses'].includes(k))),
      memoryStatuses: memory.statuses,
      workerTuning: tuning,
      versionedWorkers: VERSIONED,
      providerRatePerSecond: PROVIDER_RATE,
      sizes: SIZES,
      totalSeconds,
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
