import type { VersioningBehavior, WorkerDeploymentVersion } from '@temporalio/common';
import { NativeConnection, Runtime, Worker, type InjectedSinks, type State } from '@temporalio/worker';
import { activityLogAttributes, createFileActivities, createProviderActivities, type ActivityDeps } from '../activities';
import type { Config } from '../config';
import { Metrics } from '../metrics';
import { applyCurrentVersionPolicy, type CurrentVersionOutcome, type CurrentVersionPolicy } from '../versioning';
import { providerTaskQueue, type ConversionSinks } from '../workflows';

/**
 * Workflow interceptor modules; they are part of the workflow bundle, so whoever bundles the
 * workflows ahead of time (tests, benchmarks) must bundle these too.
 */
export const workflowInterceptorModules = [require.resolve('../workflows/log-attributes')];

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
  /**
   * Worker Versioning: the deployment and build this worker is. Every conversion is pinned to the
   * build it started on, so a deploy never replays running conversions on new code. Absent: an
   * unversioned worker (safe only with patched() for every command change).
   */
  deployment?: WorkerDeploymentVersion | undefined;
  /** What the worker does with its deployment's Current Version once it polls. Default `if-none`. */
  currentVersion?: CurrentVersionPolicy | undefined;
  /** How conversions started on this build follow later builds. Default: `PINNED`. */
  versioningBehavior?: VersioningBehavior | undefined;
}

/** The worker knobs `npm run bench` measures (WORKER_* in src/config/config.ts explains the chosen defaults). */
export interface WorkerTuning {
  /** Workflows kept in memory between tasks (sticky cache); evicted ones are replayed from history. */
  maxCachedWorkflows?: number | undefined;
  maxConcurrentWorkflowTaskExecutions?: number | undefined;
  /** Per worker: downloads on the main queue, provider calls on the provider queue. */
  maxConcurrentActivityTaskExecutions?: number | undefined;
  /** Long polls held open per queue for workflow tasks and for activity tasks. */
  workflowTaskPollers?: number | undefined;
  activityTaskPollers?: number | undefined;
  /**
   * Whether a workflow task that schedules the download may take it in its own answer (eager
   * activity dispatch: one trip through matching less, where the server allows it). Default: the
   * SDK's (allowed); bench:download compares the two.
   */
  eagerActivities?: boolean | undefined;
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
    ...(withWorkflows && tuning.eagerActivities === false ? { maxEagerActivityReservationsPerWorkflowTask: 0 } : {}),
    ...(withWorkflows && set(tuning.workflowTaskPollers) ? { workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: tuning.workflowTaskPollers } as const } : {}),
  };
}

export interface WavflowWorker {
  run(): Promise<void>;
  shutdown(): void;
  getState(): State;
  /**
   * Settles once `run()` applied the Current Version policy (undefined for an unversioned
   * worker): with `always`, new conversions reach this build from then on.
   */
  versioned(): Promise<CurrentVersionOutcome | undefined>;
}

/**
 * Two Temporal workers in one process: the main queue runs convertToWav and the download; the
 * provider queue runs the calls to the provider under a server-enforced rate limit, so any number
 * of worker processes together stay within the provider's quota.
 */
export async function createWorker(options: WorkerOptions): Promise<WavflowWorker> {
  const { connection, namespace, taskQueue, workflowBundlePath, deployment } = options;
  const metrics = options.metrics ?? new Metrics();
  const activities = { ...options.activities, metrics };
  const interceptors = { activity: [activityLogAttributes] };
  const [main, provider] = await Promise.all([
    Worker.create({
      connection,
      namespace,
      taskQueue,
      ...(workflowBundlePath ? { workflowBundle: { codePath: workflowBundlePath } } : { workflowsPath: require.resolve('../workflows') }),
      activities: createFileActivities(activities),
      interceptors: { ...interceptors, workflowModules: workflowInterceptorModules },
      sinks: conversionSinks(metrics),
      // Download heartbeats reach the server every second (not every 80 % of the heartbeat
      // timeout): cancellation arrives within a second, and a retry resumes from fresh progress.
      maxHeartbeatThrottleInterval: '1 second',
      ...tuningOptions(options.tuning, true),
      ...(deployment ? { workerDeploymentOptions: { version: deployment, useWorkerVersioning: true, defaultVersioningBehavior: options.versioningBehavior ?? 'PINNED' } as const } : {}),
    }),
    // Unversioned on purpose: its rate limit is the provider's quota, one queue for every build.
    // Provider calls of a pinned conversion come here because no version polls this queue (Temporal
    // then uses the queue's own routing); their input and output must stay compatible across the
    // builds that run side by side during a deploy.
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
  const stopping = new AbortController();
  const shutdown = () => {
    stopping.abort();
    workers.filter((w) => w.getState() === 'RUNNING').forEach((w) => w.shutdown());
  };
  let settleVersioned!: (outcome: CurrentVersionOutcome | undefined) => void;
  let failVersioned!: (err: unknown) => void;
  const versioned = new Promise<CurrentVersionOutcome | undefined>((resolve, reject) => {
    settleVersioned = resolve;
    failVersioned = reject;
  });
  versioned.catch(() => {}); // run() reports the failure; this copy is for whoever waits on it
  const versioning = async () => {
    if (!deployment) return settleVersioned(undefined);
    const policy = options.currentVersion ?? 'if-none';
    const logger = Runtime.instance().logger;
    const where = { deploymentName: deployment.deploymentName, buildId: deployment.buildId, policy };
    try {
      const outcome = await applyCurrentVersionPolicy(connection.workflowService, { namespace, version: deployment, policy, signal: stopping.signal });
      logger.info(`worker deployment version: ${outcome}`, { ...where, outcome });
      settleVersioned(outcome);
    } catch (err) {
      failVersioned(err);
      // Without a Current Version this worker gets no new conversions: fatal only where it was asked for.
      if (policy === 'always') throw err;
      logger.warn('could not check the worker deployment\'s current version', { ...where, error: String(err) });
    }
  };
  return {
    run: async () => {
      // A worker stopped another way (SIGTERM) also ends the wait for its version.
      const runs = workers.map((w) => w.run().finally(() => stopping.abort()));
      try {
        await Promise.all([...runs, versioning()]);
      } catch (err) {
        shutdown();
        await Promise.allSettled(runs);
        throw err;
      }
    },
    shutdown,
    getState: () => main.getState(),
    versioned: () => versioned,
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
      polled: { fn: (_info, answer) => void metrics.polls.inc({ answer }), callDuringReplay: false },
    },
  };
}
