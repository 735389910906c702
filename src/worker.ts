import { NativeConnection, Worker, type State } from '@temporalio/worker';
import { createFileActivities, createProviderActivities, type ActivityDeps } from './activities';
import { providerTaskQueue } from './workflows';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: ActivityDeps;
  /** Provider calls (submit, poll) per second across all workers of this queue: the provider's limit. */
  providerRatePerSecond: number;
  /** A prebuilt workflow bundle (tests build it once); otherwise the workflows are bundled at start. */
  workflowBundlePath?: string | undefined;
}

export interface WavflowWorker {
  run(): Promise<void>;
  shutdown(): void;
  getState(): State;
}

/**
 * Two Temporal workers in one process: the main queue runs convertToWav and the download; the
 * provider queue runs the calls to the provider under a server-enforced rate limit, so any number
 * of worker processes together stay within the provider's quota.
 */
export async function createWorker(options: WorkerOptions): Promise<WavflowWorker> {
  const { connection, namespace, taskQueue, activities, workflowBundlePath } = options;
  const [main, provider] = await Promise.all([
    Worker.create({
      connection,
      namespace,
      taskQueue,
      ...(workflowBundlePath ? { workflowBundle: { codePath: workflowBundlePath } } : { workflowsPath: require.resolve('./workflows') }),
      activities: createFileActivities(activities),
      // Download heartbeats reach the server every second (not every 80 % of the heartbeat
      // timeout): cancellation arrives within a second, and a retry resumes from fresh progress.
      maxHeartbeatThrottleInterval: '1 second',
    }),
    Worker.create({
      connection,
      namespace,
      taskQueue: providerTaskQueue(taskQueue),
      activities: createProviderActivities(activities),
      maxTaskQueueActivitiesPerSecond: options.providerRatePerSecond,
    }),
  ]);
  const workers = [main, provider];
  const shutdown = () => workers.filter((w) => w.getState() === 'RUNNING').forEach((w) => w.shutdown());
  return {
    run: async () => {
      const runs = workers.map((w) => w.run());
      try {
        await Promise.all(runs);
      } catch (err) {
        shutdown();
        await Promise.allSettled(runs);
        throw err;
      }
    },
    shutdown,
    getState: () => main.getState(),
  };
}
