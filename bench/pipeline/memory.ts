import { startConversion } from '../../src/conversions';
import { measure } from '../support';
import type { PipelineStack } from './stack';
import { round, rssMiB, say } from '../support';
import { closedRuns, count, waitFor, waitForAllClosed } from './workflow-times';

/**
 * Memory at scale: `n` conversions waiting for their callbacks at once (the sandbox holds them),
 * the worker's RSS then; then every callback released (50 in flight) and all conversions
 * finishing, the worker's peak RSS over the whole phase (sampled every 250 ms).
 */
export async function memoryPhase(stack: PipelineStack, n: number) {
  const { client, sandbox } = stack;
  const worker = await stack.startWorker('wavflow', 'memory');
  let peakMiB = rssMiB(worker.pid);
  const sampler = setInterval(() => {
    try {
      peakMiB = Math.max(peakMiB, rssMiB(worker.pid));
    } catch {
      // The worker is gone; the phase fails on its own.
    }
  }, 250);
  try {
    const rssIdleMiB = rssMiB(worker.pid);
    await sandbox.rpc.call('hold', true);
    const ids = Array.from({ length: n }, (_, i) => `${worker.taskQueue}-${i}`);
    say(`memory: starting ${n} conversions, callbacks held`);
    const startedAt = Date.now();
    let started = 0;
    const starting = measure(
      async (i) => {
        // A poll interval and deadline beyond the phase: the conversions wait for their callbacks.
        await startConversion(client, { audioId: ids[i]! }, { taskQueue: worker.taskQueue, defaultPollIntervalSeconds: 3600, defaultDeadlineSeconds: 7200, startedBy: 'bench' });
        started++;
      },
      n,
      50,
    );
    await waitFor(
      'memory: building up',
      async () => {
        const [held, waiting] = await Promise.all([sandbox.rpc.call<number>('held'), count(client, `TaskQueue="${worker.taskQueue}" AND WavStatus="waiting"`)]);
        return { done: waiting >= n, progress: `${started} started, ${held} callbacks held, ${waiting} waiting, worker RSS ${rssMiB(worker.pid).toFixed(0)} MiB` };
      },
      20 * 60_000,
      1_000,
    );
    await starting;
    const buildUpSeconds = (Date.now() - startedAt) / 1000;
    const rssAt10kMiB = rssMiB(worker.pid);
    const peakWaitingMiB = peakMiB;
    say(`memory: ${n} waiting after ${buildUpSeconds.toFixed(0)} s, worker RSS ${rssAt10kMiB.toFixed(0)} MiB; releasing every callback`);

    const before = stack.cpu();
    const releasedAt = Date.now();
    await sandbox.rpc.call('hold', false);
    await Promise.all([sandbox.rpc.call('release', n, 50), waitForAllClosed(client, worker.taskQueue, n, 30 * 60_000)]);
    const after = stack.cpu();
    const runs = await closedRuns(client, worker.taskQueue);
    const drainSeconds = (runs.lastClose - releasedAt) / 1000;
    say(`memory: ${runs.completed} of ${n} completed ${drainSeconds.toFixed(0)} s after the release; peak RSS ${peakMiB.toFixed(0)} MiB`);
    return {
      rssMiBAt10k: round(rssAt10kMiB, 0),
      rssMiBIdle: round(rssIdleMiB, 0),
      peakRssMiBWaiting: round(peakWaitingMiB, 0),
      peakRssMiB: round(peakMiB, 0),
      rssMiBAfter: round(rssMiB(worker.pid), 0),
      completedAt10k: runs.completed,
      statuses: runs.statuses,
      buildUpSeconds: round(buildUpSeconds, 1),
      drainSeconds: round(drainSeconds, 1),
      drainPerSec: round(runs.completed / drainSeconds, 1),
      cpuSecondsDrain: Object.fromEntries(Object.keys(after).map((k) => [k, round((after[k] ?? 0) - (before[k] ?? 0), 1)])),
    };
  } finally {
    clearInterval(sampler);
    await worker.stop();
  }
}
