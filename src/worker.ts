import { NativeConnection, Worker, type State } from '@temporalio/worker';
import { createFileActivities, createProviderActivities, type ActivityDeps } from './activities';
import type { Config } from './config';
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
  /** Concurrency and cache sizes; the SDK's defaults where absent. */
  tuning?: WorkerTuning | undefined;
}

/** The worker knobs `npm run bench` measures (WORKER_* in src/config.ts explains the chosen defaults). */
export interface WorkerTuning {
  /** Workflows kept in memory between tasks (sticky cache); evicted ones are replayed from history. */
  maxCachedWorkflows?: number | undefined;
  maxConcurrentWorkflowTaskExecutions?: number | undefined;
  /** Per worker: downloads on the main queue, provider calls on the provider queue. */
  maxConcurrentActivityTaskExecutions?: number | undefined;
  /** Long polls held open per queue for workflow tasks and for activity tasks. */
  workflowTaskPollers?: number | undefined;
  activityTaskPollers?: number | undefined;
}

export const workerTuning = (config: Config): WorkerTuning => ({
  maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
  maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
  maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
  workflowTaskPollers: config.WORKER_WORKFLOW_POLLERS,
  activityTaskPollers: config.WORKER_ACTIVITY_POLLERS,
});

/** Worker.create options for the knobs that are set, so the SDK's defaults apply to the rest. */
export function tuningOptions(tuning: WorkerTuning = {}, withWorkflows: boolean) {
  const set = <T>(value: T | undefined) => value !== undefined;
  return {
    ...(set(tuning.maxConcurrentActivityTaskExecutions) ? { maxConcurrentActivityTaskExecutions: tuning.maxConcurrentActivityTaskExecutions } : {}),
    ...(set(tuning.activityTaskPollers) ? { activityTaskPollerBehavior: { type: 'simple-maximum', maximum: tuning.activityTaskPollers } as const } : {}),
    ...(withWorkflows && set(tuning.maxCachedWorkflows) ? { maxCachedWorkflows: tuning.maxCachedWorkflows } : {}),
    ...(withWorkflows && set(tuning.maxConcurrentWorkflowTaskExecutions) ? { maxConcurrentWorkflowTaskExecutions: tuning.maxConcurrentWorkflowTaskExecutions } : {}),
    ...(withWorkflows && set(tuning.workflowTaskPollers) ? { workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: tuning.workflowTaskPollers } as const } : {}),
  };
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
      ...tuningOptions(options.tuning, true),
    }),
    Worker.create({
      connection,
      namespace,
      taskQueue: providerTaskQueue(taskQueue),
      activities: createProviderActivities(activities),
      maxTaskQueueActivitiesPerSecond: options.providerRatePerSecond,
      ...tuningOptions(options.tuning, false),
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
