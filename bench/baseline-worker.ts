import { NativeConnection, Worker } from '@temporalio/worker';
import { tuningOptions, type WorkerTuning } from '../src/app';

export const baselineActivities = {
  async nothing(): Promise<void> {},
};

/**
 * Workers for bench/baseline-workflow.ts laid out like createWorker's: a main queue and a
 * rate-limited provider queue, with the same tuning, so only the work inside differs.
 */
export async function createBaselineWorker(options: {
  connection: NativeConnection;
  taskQueue: string;
  workflowBundlePath: string;
  providerRatePerSecond: number;
  tuning?: WorkerTuning | undefined;
}) {
  const { connection, taskQueue, tuning } = options;
  const workers = await Promise.all([
    Worker.create({ connection, taskQueue, workflowBundle: { codePath: options.workflowBundlePath }, activities: baselineActivities, ...tuningOptions(tuning, true) }),
    Worker.create({
      connection,
      taskQueue: `${taskQueue}-provider`,
      activities: baselineActivities,
      maxTaskQueueActivitiesPerSecond: options.providerRatePerSecond,
      ...tuningOptions(tuning, false),
    }),
  ]);
  return {
    run: () => Promise.all(workers.map((w) => w.run())).then(() => undefined),
    shutdown: () => workers.filter((w) => w.getState() === 'RUNNING').forEach((w) => w.shutdown()),
    getState: () => workers[0].getState(),
  };
}
