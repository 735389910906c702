import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { costKeys, GOAL_CALLBACK_ACTIONS_RATIO, toBaseline, type CostBaseline } from './cost/baseline';
import { COST_PATHS, costSizes, measureCheckout, type CostFigures } from './cost/phase';
import { BASELINE_RELEASE, releaseCheckout } from './cost/release';
import { WATCH_PATHS } from './cost/watchers';
import { projectDir, round, say, table } from './support';

/**
 * `npm run bench:cost [-- --checkout <dir>] [--baseline <dir>]`: what a conversion costs per path
 * (callback, poll, failure, a resumed download, a one-hour wait with 30 s polls) in history
 * events, billable actions, history bytes and CPU, and what a client watching it costs; first for
 * the release (v0.1.0, built once by bench/cost/release.ts, or the checkout `--baseline` names),
 * then for this tree, in the same run on the same machine. See bench/README.md.
 */

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { checkout: { type: 'string' }, baseline: { type: 'string' } } });
  if (process.platform !== 'linux') throw new Error('npm run bench:cost reads /proc for CPU time: Linux only');
  const checkout = resolve(values.checkout ?? projectDir);
  const sizes = costSizes();
  const startedAt = Date.now();
  const baselineDir = resolve(values.baseline ?? process.env.BENCH_COST_BASELINE ?? (await releaseCheckout()));
  say(`baseline: the worker and server of ${baselineDir}`);
  // Watching is measured on both sides by the watching paths themselves (v0.1.0's code is kept in bench/cost/watchers.ts).
  const baselineFigures = await measureCheckout(baselineDir, { ...sizes, watch: false });
  const baseline = toBaseline(baselineFigures, baselineDir, BASELINE_RELEASE);
  say(`the worker and server of ${checkout}`);
  const figures = await measureCheckout(checkout, sizes);
  printCost(figures, baseline, round((Date.now() - startedAt) / 1000, 1));
}

function printCost(figures: CostFigures, baseline: CostBaseline | undefined, totalSeconds: number): void {
  const { paths, wait, watch } = figures;
  const processes = Object.keys(paths.callback.cpuMs).filter((name) => name !== 'other processes' && name !== 'bench');
  console.log(`\nnpm run bench:cost — per conversion; ${figures.sizes.conversions} per path, waits of ${figures.sizes.waitMinutes.join('/')} min × ${figures.sizes.waitConversions}; ${totalSeconds} s; other work kept ${figures.otherCores} cores busy\n`);
  console.log(
    table([
      ['path', 'events', baseline ? `events ${baseline.release}` : '', 'actions', baseline ? `actions ${baseline.release}` : '', 'history bytes', ...processes.map((p) => `CPU ms ${p}`), 'actions by kind'],
      ...COST_PATHS.map((p) => [
        p,
        String(paths[p].events),
        baseline ? String(baseline.eventsPerConversion[p]) : '',
        String(paths[p].actions),
        baseline ? String(baseline.actionsPerConversion[p]) : '',
        String(paths[p].historyBytes),
        // The wait's CPU needs two wait lengths (the poll cycles of the longest one alone); n/a otherwise.
        ...processes.map((name) => (Number.isFinite(paths[p].cpuMs[name]) ? String(paths[p].cpuMs[name]) : 'n/a')),
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
  console.log(JSON.stringify({ ...keys, meetsGoals: { callbackActions: keys.callbackActionsGoalMet }, baselineCpuMsPerConversion: baseline?.cpuMsPerConversion, cpuMsPerConversion: Object.fromEntries(COST_PATHS.map((p) => [p, paths[p].cpuMs])), ...figures, totalSeconds }));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  });
}
