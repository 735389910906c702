import { startConversion } from '../../src/conversions';
import { measure } from '../support';
import type { PipelineStack } from './stack';
import { round, say } from '../support';
import { closedRuns, waitForAllClosed } from './workflow-times';

/**
 * Throughput: `n` workflows started at once (50 starts in flight) on a fresh worker, from the
 * first start to the last close as the server recorded them; the same for the baseline workflow
 * (bench/baseline-workflow.ts: the same activities, doing nothing). Each process's CPU time over
 * the batch says where the time went.
 */
export interface BatchFigures {
  perSec: number;
  seconds: number;
  completed: number;
  statuses: Record<string, number>;
  /** CPU seconds per process over the batch. */
  cpuSeconds: Record<string, number>;
}

export async function runBatch(stack: PipelineStack, kind: 'wavflow' | 'baseline', n: number, pollIntervalSeconds: number): Promise<BatchFigures> {
  const { client } = stack;
  const worker = await stack.startWorker(kind, kind === 'wavflow' ? 'throughput' : 'baseline');
  try {
    const ids = Array.from({ length: n }, (_, i) => `${worker.taskQueue}-${i}`);
    const start =
      kind === 'wavflow'
        ? (i: number) => startConversion(client, { audioId: ids[i]! }, { taskQueue: worker.taskQueue, defaultPollIntervalSeconds: pollIntervalSeconds, startedBy: 'bench' }).then(() => undefined)
        : (i: number) => client.workflow.start('baselineConversion', { taskQueue: worker.taskQueue, workflowId: ids[i]! }).then(() => undefined);
    say(`throughput: ${n} ${kind} workflows`);
    const before = stack.cpu();
    await measure(start, n, 50);
    await waitForAllClosed(client, worker.taskQueue, n, 15 * 60_000);
    const after = stack.cpu();
    const runs = await closedRuns(client, worker.taskQueue);
    const seconds = (runs.lastClose - runs.firstStart) / 1000;
    // One name for either batch's worker, so the two batches' rows line up.
    const cpuSeconds = Object.fromEntries(Object.keys(after).map((name) => [name.startsWith('worker-') ? 'worker' : name, round((after[name] ?? 0) - (before[name] ?? 0), 2)]));
    say(`throughput: ${kind} ${runs.completed} completed in ${seconds.toFixed(1)} s (${(runs.completed / seconds).toFixed(1)}/s)`);
    return { perSec: runs.completed / seconds, seconds, completed: runs.completed, statuses: runs.statuses, cpuSeconds };
  } finally {
    await worker.stop();
  }
}

export async function throughputPhase(stack: PipelineStack, n: number) {
  await stack.sandbox.rpc.call('hold', false);
  const baseline = await runBatch(stack, 'baseline', n, 0);
  // Long poll interval: callbacks answer; a poll would only add provider calls if one were lost.
  const wavflow = await runBatch(stack, 'wavflow', n, 120);
  return { wavflow, baseline };
}
