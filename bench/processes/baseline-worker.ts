import type { WorkerDeploymentVersion } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { applyCurrentVersionPolicy, type CurrentVersionOutcome } from '../../src/versioning';
import { tuningOptions, type WorkerTuning } from '../../src/app';

export const baselineActivities = {
  async nothing(): Promise<void> {},
};

/**
 * Workers for bench/baseline-workflow.ts laid out like createWorker's: a main queue and a
 * rate-limited provider queue, with the same tuning and, given a deployment, the same Worker
 * Versioning (main queue pinned, provider queue unversioned), so only the work inside differs.
 */
export async function createBaselineWorker(options: {
  connection: NativeConnection;
  taskQueue: string;
  workflowBundlePath: string;
  providerRatePerSecond: number;
  tuning?: WorkerTuning | undefined;
  deployment?: WorkerDeploymentVersion | undefined;
}) {
  const { connection, taskQueue, tuning, deployment } = options;
  const workers = await Promise.all([
    Worker.create({
      connection,
      taskQueue,
      workflowBundle: { codePath: options.workflowBundlePath },
      activities: baselineActivities,
      ...tuningOptions(tuning, true),
      ...(deployment ? { workerDeploymentOptions: { version: deployment, useWorkerVersioning: true, defaultVersioningBehavior: 'PINNED' } as const } : {}),
    }),
    Worker.create({
      connection,
      taskQueue: `${taskQueue}-provider`,
      activities: baselineActivities,
      maxTaskQueueActivitiesPerSecond: options.providerRatePerSecond,
      ...tuningOptions(tuning, false),
    }),
  ]);
  const stopping = new AbortController();
  let versioned: Promise<CurrentVersionOutcome | undefined> = Promise.resolve(undefined);
  return {
    run: () => {
      const runs = Promise.all(workers.map((w) => w.run().finally(() => stopping.abort()))).then(() => undefined);
      if (deployment) {
        versioned = applyCurrentVersionPolicy(connection.workflowService, { namespace: 'default', version: deployment, policy: 'always', signal: stopping.signal });
      }
      return runs;
    },
    shutdown: () => workers.filter((w) => w.getState() === 'RUNNING').forEach((w) => w.shutdown()),
    getState: () => workers[0].getState(),
    versioned: () => versioned,
  };
}
