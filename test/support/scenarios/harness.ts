import { randomUUID } from 'node:crypto';
import { Client, Connection, WorkflowFailedError, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, TerminatedFailure, type SignalDefinition, type VersioningBehavior, type WorkerDeploymentVersion } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { Metrics } from '../../../src/metrics';
import { conversionSinks } from '../../../src/app';
import type { ConversionInput } from '../../../src/workflows';
import { quietTemporalRuntime } from '../quiet-runtime';
import { waitFor } from '../wait-for';
import { CallBoard, type ActivityName, type PendingCall } from './calls';

type History = temporal.api.history.v1.IHistory;
const EventType = temporal.api.enums.v1.EventType;

/** One build of the workflow code: a bundle, and the Worker Deployment Version it runs as. */
export interface BuildOptions {
  /** The workflow bundle to run: the current code's, or another checkout's (see bundle.ts). */
  workflowBundlePath: string;
  /**
   * Worker Versioning: the deployment version this build's worker declares; its conversions are
   * pinned to it (as `wavflow worker` does). Without it the worker is unversioned.
   */
  deployment?: WorkerDeploymentVersion;
  /** How its conversions follow later builds. Default `PINNED`, as `wavflow worker`. */
  versioningBehavior?: VersioningBehavior;
}

export interface HarnessOptions extends BuildOptions {
  /** Temporal frontend, e.g. the shared dev server's WAVFLOW_TEST_TEMPORAL_ADDRESS. */
  address: string;
  namespace?: string;
  /** Default: a fresh queue, so nothing else picks up these workflows. */
  taskQueue?: string;
  /** Doubles for activities a test-only workflow adds on the main queue (next to downloadWav). */
  extraActivities?: string[];
}

/** A build's worker on the harness's queue; stopping it is what retiring a build looks like. */
export interface RunningBuild {
  deployment: WorkerDeploymentVersion | undefined;
  stop(): Promise<void>;
}

/** True when a workflow task completed after event `eventId` (or the run closed after it). */
function handledAfter(history: History, eventId: unknown): boolean {
  if (eventId === undefined || eventId === null) return false;
  return (history.events ?? []).some((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED && Number(e.eventId) > Number(eventId));
  // (event ids are Longs; Number() reads them through their string form)
}

export type Outcome =
  | { status: 'completed'; result: unknown }
  | { status: 'failed'; failureType: string; message: string }
  | { status: 'cancelled' }
  | { status: 'terminated' };

/**
 * A worker whose activities are doubles: convertToWav (from any bundle) on a real Temporal
 * server, where the test answers each activity call itself. See index.ts for how to use it.
 */
export class ScenarioHarness {
  /** Every build started on this harness, the first one first. */
  readonly builds: RunningBuild[] = [];

  private constructor(
    readonly client: Client,
    readonly taskQueue: string,
    private readonly board: CallBoard,
    private readonly connection: NativeConnection,
    private readonly options: HarnessOptions,
    private readonly stopShared: () => Promise<void>,
  ) {}

  static async start(options: HarnessOptions): Promise<ScenarioHarness> {
    const namespace = options.namespace ?? 'default';
    const taskQueue = options.taskQueue ?? `scenario-${randomUUID()}`;
    quietTemporalRuntime();
    const board = new CallBoard();
    const connection = await NativeConnection.connect({ address: options.address });
    const clientConnection = await Connection.connect({ address: options.address });
    // Provider calls go to `<queue>-provider`, unversioned as in production (src/app/worker.ts says why).
    const provider = await Worker.create({
      ...workerBasics(connection, namespace),
      taskQueue: `${taskQueue}-provider`,
      activities: board.doubles(['submitConversion', 'pollConversion']),
    });
    const providerRun = provider.run();
    const stopShared = async () => {
      if (provider.getState() === 'RUNNING') provider.shutdown();
      await providerRun;
      await connection.close();
      await clientConnection.close();
    };
    const harness = new ScenarioHarness(new Client({ connection: clientConnection, namespace }), taskQueue, board, connection, options, stopShared);
    await harness.addBuild(options);
    return harness;
  }

  /**
   * Starts another build's worker on the same queues (a deploy: the new build's workers start
   * next to the old ones). Its activity doubles answer through the same `run.call`.
   */
  async addBuild(build: BuildOptions): Promise<RunningBuild> {
    const worker = await Worker.create({
      ...workerBasics(this.connection, this.options.namespace ?? 'default'),
      taskQueue: this.taskQueue,
      workflowBundle: { codePath: build.workflowBundlePath },
      activities: this.board.doubles(['downloadWav', 'discardPartialWav', ...(this.options.extraActivities ?? [])]),
      sinks: conversionSinks(new Metrics()),
      ...(build.deployment
        ? { workerDeploymentOptions: { version: build.deployment, useWorkerVersioning: true, defaultVersioningBehavior: build.versioningBehavior ?? 'PINNED' } as const }
        : {}),
    });
    const running = worker.run();
    const handle: RunningBuild = {
      deployment: build.deployment,
      stop: async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
      },
    };
    this.builds.push(handle);
    return handle;
  }

  /** Starts one conversion on this harness's queue. Each gets a workflow id of its own. */
  async start(input: ConversionInput = {}, label = 'scenario'): Promise<ScenarioRun> {
    const handle = await this.client.workflow.start('convertToWav', {
      taskQueue: this.taskQueue,
      workflowId: `${label}-${randomUUID().slice(0, 8)}`,
      args: [{ audioId: `${label}-audio`, ...input }],
    });
    return new ScenarioRun(this.client, handle, this.board);
  }

  async stop(): Promise<void> {
    for (const build of this.builds) await build.stop();
    await this.stopShared();
  }
}

function workerBasics(connection: NativeConnection, namespace: string) {
  return {
    connection,
    namespace,
    // Doubles heartbeat every 100 ms; a cancellation reaches them within about that.
    maxHeartbeatThrottleInterval: '100 ms',
    defaultHeartbeatThrottleInterval: '100 ms',
    // A call the test never answered is cancelled at stop instead of holding the worker.
    shutdownGraceTime: '1 second',
  } as const;
}

/** One conversion driven by a test: take its activity calls, answer them, signal it, end it. */
export class ScenarioRun {
  readonly workflowId: string;
  /** The first run's id; calls from a run continued as new carry another. */
  readonly firstRunId: string;
  /** Settles with a sentence when the conversion (its last run) closes. */
  private readonly closed: Promise<string>;

  constructor(
    private readonly client: Client,
    readonly handle: WorkflowHandleWithFirstExecutionRunId,
    private readonly board: CallBoard,
  ) {
    this.workflowId = handle.workflowId;
    this.firstRunId = handle.firstExecutionRunId;
    this.closed = this.outcome().then((o) => `the conversion ended: ${JSON.stringify(o)}`);
  }

  /** Waits for the workflow's next call of `name` and holds it until the test answers it. */
  async call(name: ActivityName, timeoutMs = 30_000): Promise<PendingCall> {
    const call = await this.board.take(this.workflowId, name, timeoutMs, this.closed);
    call.whenHandled = () => this.handled(call);
    return call;
  }

  /**
   * Sends a signal and returns once a workflow task has handled it, so whatever the test does
   * next (answering a call, another signal) reaches the workflow after it, never in the same task.
   */
  async signal<Args extends unknown[]>(signal: SignalDefinition<Args> | string, ...args: Args): Promise<void> {
    const signalled = (history: History) => (history.events ?? []).filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
    const before = signalled(await this.handle.fetchHistory()).length;
    await this.handle.signal(signal, ...args);
    await waitFor(`${this.workflowId} to handle the signal`, async () => {
      const history = await this.handle.fetchHistory();
      return handledAfter(history, signalled(history)[before]?.eventId);
    });
  }

  /** Waits until the call's outcome is in its run's history and a workflow task has handled it. */
  private async handled(call: PendingCall): Promise<void> {
    const run = this.client.workflow.getHandle(this.workflowId, call.runId);
    await waitFor(`${this.workflowId} to handle the answer to ${call.name}`, async () => {
      const history = await run.fetchHistory();
      const events = history.events ?? [];
      const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityId === call.activityId)?.eventId;
      if (scheduled === undefined || scheduled === null) return false;
      const closed = events.find((e) => {
        const attributes =
          e.activityTaskCompletedEventAttributes ??
          e.activityTaskFailedEventAttributes ??
          e.activityTaskCanceledEventAttributes ??
          e.activityTaskTimedOutEventAttributes;
        return attributes && Number(attributes.scheduledEventId) === Number(scheduled);
      });
      return handledAfter(history, closed?.eventId);
    });
  }

  /** Requests cancellation (what `DELETE /v1/conversions/:id` does). */
  async cancel(): Promise<void> {
    await this.handle.cancel();
  }

  /** How the conversion ended; waits for it to end. */
  async outcome(): Promise<Outcome> {
    try {
      return { status: 'completed', result: await this.handle.result() };
    } catch (err) {
      const cause = err instanceof WorkflowFailedError ? err.cause : err;
      if (cause instanceof CancelledFailure) return { status: 'cancelled' };
      if (cause instanceof TerminatedFailure) return { status: 'terminated' };
      if (cause instanceof ApplicationFailure) return { status: 'failed', failureType: cause.type ?? '', message: cause.message };
      throw err;
    }
  }

  async isClosed(): Promise<boolean> {
    const { status } = await this.handle.describe();
    return status.name !== 'RUNNING';
  }

  /** The history of every run of this conversion, first to last (more than one after continue-as-new). */
  async histories(): Promise<History[]> {
    const histories: History[] = [];
    let runId: string | undefined = this.firstRunId;
    while (runId) {
      const history: History = await this.client.workflow.getHandle(this.workflowId, runId).fetchHistory();
      histories.push(history);
      const last = history.events?.[history.events.length - 1];
      runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    }
    return histories;
  }
}
