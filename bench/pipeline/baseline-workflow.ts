import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { baselineActivities } from '../processes/baseline-worker';

/**
 * The engine's own limit for a conversion's shape: the same three activities (two on the provider
 * queue, one on the main queue, one after another) doing nothing, and nothing else: no signal, no
 * timer, no search attributes, no HTTP.
 */
export async function baselineConversion(): Promise<void> {
  const options = { startToCloseTimeout: '1 minute' } as const;
  const provider = proxyActivities<typeof baselineActivities>({ ...options, taskQueue: `${workflowInfo().taskQueue}-provider` });
  const main = proxyActivities<typeof baselineActivities>(options);
  await provider.nothing(); // submit
  await provider.nothing(); // the callback's confirmation
  await main.nothing(); // download
}
