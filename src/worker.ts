import { NativeConnection, Worker, type InjectedSinks, type State } from '@temporalio/worker';
import { activityLogAttributes, createFileActivities, createProviderActivities, type ActivityDeps } from './activities';
import type { Config } from './config';
import { Metrics } from './metrics';
import { providerTaskQueue, type ConversionSinks } from './workflows';

/**
 * Workflow interceptor modules; they are part of the workflow bundle, so whoever bundles the
 * workflows ahead of time (tests, benchmarks) must bundle these too.
 */
export const workflowInterceptorModules = [require.resolve('./workflows/log-attributes')];

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: ActivityDeps;
  /** Provider calls (submit, poll) per second across all workers of this queue: the provider's limit. */
  providerRatePerSecond: number;
  /** A prebuilt workflow bundle (tests build it once); otherwise the workflows are bundled at start. */
  workflowBundlePath?: string | undefined;
  /** Where activities and workflows count; a registry of its own when absent. */
  metrics?: Metrics | undefined;
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
  const { connection, namespace, taskQueue, workflowBundlePath } = options;
  const metrics = options.metrics ?? new Metrics();
  const activities = { ...options.activities, metrics };
  const interceptors = { activity: [activityLogAttributes] };
  const [main, provider] = await Promise.all([
    Worker.create({
      connection,
      namespace,
      taskQueue,
      ...(workflowBundlePath ? { workflowBundle: { codePath: workflowBundlePath } } : { workflowsPath: require.resolve('./workflows') }),
      activities: createFileActivities(activities),
      interceptors: { ...interceptors, workflowModules: workflowInterceptorModules },
      sinks: conversionSinks(metrics),
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
      interceptors,
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

const IGNORED_AS = { 'after-outcome': 'duplicate', 'other-task': 'mismatched', 'no-url': 'without_url' } as const;

/** The workflow's reports, counted once per real execution (not again when a worker replays it). */
export function conversionSinks(metrics: Metrics): InjectedSinks<ConversionSinks> {
  return {
    conversionMetrics: {
      ended: { fn: (_info, outcome, failureType) => void metrics.conversions.inc({ outcome, failure_type: failureType ?? '' }), callDuringReplay: false },
      callbackIgnored: { fn: (_info, reason) => void metrics.callbacks.inc({ outcome: IGNORED_AS[reason] }), callDuringReplay: false },
      malformedSignal: { fn: () => void metrics.callbacks.inc({ outcome: 'malformed' }), callDuringReplay: false },
    },
  };
}
