import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BASELINE_FILE, readCostBaseline, type CostBaseline } from './cost-baseline';
import { COST_PATHS, costPhase, type CostFigures, type CostPath, type CostSizes } from './cost-phase';
import { startCostStack } from './cost-stack';
import { WATCH_PATHS } from './watchers';
import { projectDir, round, say, table } from './support';

/**
 * `npm run bench:cost [-- --checkout <dir>] [--record-baseline]`: what a conversion costs per path
 * (callback, poll, failure, a resumed download, a one-hour wait with 30 s polls) in history
 * events, billable actions, history bytes and CPU, and what a client watching it costs; next to
 * v0.1.0's figures (bench/cost-baseline.json). See bench/README.md.
 */

const GOAL_CALLBACK_ACTIONS_RATIO = 0.8;

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
export const costSizes = (defaults: Partial<CostSizes> = {}): CostSizes => ({
  conversions: Number(env('BENCH_COST_CONVERSIONS', String(defaults.conversions ?? 50))),
  waitConversions: Number(env('BENCH_COST_WAIT_CONVERSIONS', String(defaults.waitConversions ?? 20))),
  waitMinutes: env('BENCH_COST_WAIT_MINUTES', (defaults.waitMinutes ?? [1, 2, 4]).join(','))
    .split(',')
    .map(Number),
  watch: env('BENCH_COST_WATCH', String(defaults.watch ?? true)) !== 'false',
});

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { checkout: { type: 'string' }, 'record-baseline': { type: 'boolean' } } });
  if (process.platform !== 'linux') throw new Error('npm run bench:cost reads /proc for CPU time: Linux only');
  const checkout = resolve(values.checkout ?? projectDir);
  const baselineRun = values['record-baseline'] === true;
  const sizes = costSizes(baselineRun ? { watch: false } : {});
  const startedAt = Date.now();
  say(`the worker and server of ${checkout}`);
  const stack = await startCostStack({ checkout });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stack.close().finally(() => process.exit(130)));
  let figures: CostFigures;
  try {
    figures = await costPhase(stack, sizes);
  } finally {
    await stack.close();
  }
  const totalSeconds = round((Date.now() - startedAt) / 1000, 1);
  if (baselineRun) {
    const baseline = toBaseline(figures, checkout);
    await writeFile(BASELINE_FILE, `${JSON.stringify(baseline, null, 2)}\n`);
    say(`wrote ${BASELINE_FILE}`);
  }
  printCost(figures, baselineRun ? undefined : readCostBaseline(), totalSeconds);
}

function toBaseline(figures: CostFigures, checkout: string): CostBaseline {
  const per = <T>(pick: (path: CostPath) => T) => Object.fromEntries(COST_PATHS.map((p) => [p, pick(p)])) as Record<CostPath, T>;
  const describe = (args: string[]) => execFileSync('git', args, { cwd: checkout, encoding: 'utf8' }).trim();
  return {
    release: describe(['describe', '--tags', '--always']),
    commit: describe(['rev-parse', 'HEAD']),
    measuredAt: new Date().toISOString(),
    actionsPerConversion: per((p) => figures.paths[p].actions),
    eventsPerConversion: per((p) => figures.paths[p].events),
    historyBytesPerConversion: per((p) => figures.paths[p].historyBytes),
    actionsByKind: per((p) => figures.paths[p].actionsByKind as Record<string, number>),
    cpuMsPerConversion: per((p) => figures.paths[p].cpuMs),
  };
}

/** The keys `npm run bench:cost` and `npm run bench` both put in their JSON line. */
export function costKeys(figures: CostFigures, baseline: CostBaseline | undefined) {
  const per = <T>(pick: (path: CostPath) => T) => Object.fromEntries(COST_PATHS.map((p) => [p, pick(p)])) as Record<CostPath, T>;
  const actionsPerConversion = per((p) => figures.paths[p].actions);
  const callbackActionsRatio = baseline ? round(actionsPerConversion.callback / baseline.actionsPerConversion.callback, 3) : undefined;
  return {
    actionsPerConversion,
    eventsPerConversion: per((p) => figures.paths[p].events),
    historyBytesPerConversion: per((p) => figures.paths[p].historyBytes),
    actionsBaseline: baseline ? { release: baseline.release, ...baseline.actionsPerConversion } : undefined,
    callbackActionsRatio,
    callbackActionsGoalMet: callbackActionsRatio === undefined ? undefined : callbackActionsRatio <= GOAL_CALLBACK_ACTIONS_RATIO,
  };
}

function printCost(figures: CostFigures, baseline: CostBaseline | undefined, totalSeconds: number): void {
  const { paths, wait, watch } = figures;
  const processes = Object.keys(paths.callback.cpuMs).filter((name) => name !== 'other processes' && name !== 'bench');
  console.log(`\nnpm run bench:cost — per conversion; ${figures.sizes.conversions} per path, waits of ${figures.sizes.waitMinutes.join('/')} min × ${figures.sizes.waitConversions}; ${totalSeconds} s; other work kept ${figures.otherCores} cores busy\n`);
  console.log(
    table([
      ['path', 'events', 'actions', baseline ? `actions ${baseline.release}` : '', 'history bytes', ...processes.map((p) => `CPU ms ${p}`), 'actions by kind'],
      ...COST_PATHS.map((p) => [
        p,
        String(paths[p].events),
        String(paths[p].actions),
        baseline ? String(baseline.actionsPerConversion[p]) : '',
        String(paths[p].historyBytes),
        ...processes.map((name) => String(paths[p].cpuMs[name] ?? '')),
        Object.entries(paths[p].actionsByKind)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
      ]),
    ]),
  );
  console.log(
    `\nwait: per minute ${wait.perMinute.actions} actions, ${wait.perMinute.events} events, ${wait.perMinute.historyBytes} history bytes; ` +
      `largest distance from the line: ${wait.maxResidual.actions} actions, ${wait.maxResidual.events} events, ${wait.maxResidual.historyBytes} bytes ` +
      `(points: ${wait.points.map((p) => `${p.minutes} min ${p.actions}/${p.events}`).join(', ')}); ` +
      `CPU ms per poll cycle over ${wait.pollsInCpuWindow} polls: ${JSON.stringify(wait.cpuMsPerPoll)}`,
  );
  if (watch) {
    console.log('\nwatching one conversion, queries / RPCs per client:');
    console.log(
      table([
        ['client', ...Object.keys(watch.perPath), 'wait per minute', 'one-hour wait'],
        ...WATCH_PATHS.map((w) => [
          w,
          ...Object.values(watch.perPath).map((c) => `${c[w].queries} / ${c[w].rpcs}`),
          `${watch.waitPerMinute[w].queries} / ${watch.waitPerMinute[w].rpcs}`,
          `${watch.wait1h[w].queries} / ${watch.wait1h[w].rpcs}`,
        ]),
      ]),
    );
  }
  const keys = costKeys(figures, baseline);
  if (keys.callbackActionsRatio !== undefined) {
    console.log(`\ncallback path: ${paths.callback.actions} actions vs ${baseline?.release} ${baseline?.actionsPerConversion.callback}: ${keys.callbackActionsRatio}× (goal ≤ ${GOAL_CALLBACK_ACTIONS_RATIO}) ${keys.callbackActionsGoalMet ? 'met' : 'MISSED'}`);
  }
  console.log(JSON.stringify({ ...keys, cpuMsPerConversion: Object.fromEntries(COST_PATHS.map((p) => [p, paths[p].cpuMs])), ...figures, totalSeconds }));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  });
}
