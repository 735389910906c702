import { costKeys, toBaseline } from '../cost/baseline';
import { costSizes, measureCheckout } from '../cost/phase';
import { BASELINE_RELEASE, releaseCheckout } from '../cost/release';
import { projectDir, say } from '../support';

/**
 * What a conversion costs per path, counted as `npm run bench:cost` counts it, with fewer
 * conversions (the counts are exact; bench:cost's CPU figures need its larger run): v0.1.0's built
 * CLI (bench/cost/release.ts, or BENCH_COST_BASELINE) and this checkout's, in this run.
 */
export async function costPhase() {
  const sizes = costSizes({ conversions: 10, waitConversions: 5, waitMinutes: [1], watch: false });
  const baselineDir = process.env.BENCH_COST_BASELINE ?? (await releaseCheckout());
  say(`cost: ${baselineDir}`);
  const baseline = toBaseline(await measureCheckout(baselineDir, sizes), baselineDir, BASELINE_RELEASE);
  say(`cost: ${projectDir}`);
  return costKeys(await measureCheckout(projectDir, sizes), baseline);
}
