import { randomUUID } from 'node:crypto';
import { Client, Connection, WorkflowFailedError, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, TerminatedFailure, type SignalDefinition, type WorkerDeploymentVersion } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { Metrics } from '../../../src/metrics';
import { conversionSinks } from '../../../src/worker';
import type { ConversionInput } from '../../../src/workflows';
import { waitFor } from '../wait-for';
import { CallBoard, type ActivityName, type PendingCall } from './calls';

type History = temporal.api.history.v1.IHistory;
const EventType = temporal.api.enums.v1.EventType;

export interface HarnessOptions {
  /** Temporal frontend, e.g. the shared dev server's WAVFLOW_TEST_TEMPORAL_ADDRESS. */
  address: string;
  namespace?: string;
  /** The workflow bundle to run: the current code's, or another checkout's (see bundle.ts). */
  workflowBundlePath: string;
  /** Default: a fresh queue, so nothing else picks up these workflows. */
  taskQueue?: string;
  /**
   * Worker Versioning: the deployment version this harness's workers declare. Workflows run
   * pinned to it. Without it the workers are unversioned.
   */
  deployment?: WorkerDeploymentVersion;
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
  private constructor(
    readonly client: Client,
    readonly taskQueue: string,
    private readonly board: CallBoard,
    private readonly stopAll: () => Promise<void>,
  ) {}

  static async start(options: HarnessOptions): Promise<ScenarioHarness> {
    const namespace = options.namespace ?? 'default';
    const taskQueue = options.taskQueue ?? `scenario-${randomUUID()}`;
    const board = new CallBoard();
    const { submitConversion, pollConversion, downloadWav } = board.doubles();
    const connection = await NativeConnection.connect({ address: options.address });
    const clientConnection = await Connection.connect({ address: options.address });
    const versioning = options.deployment
      ? { workerDeploymentOptions: { version: options.deployment, useWorkerVersioning: true, defaultVersioningBehavior: 'PINNED' } as const }
      : {};
    const shared = {
      connection,
      namespace,
      // Doubles heartbeat every 100 ms; a cancellation reaches them within about that.
      maxHeartbeatThrottleInterval: '100 ms',
      defaultHeartbeatThrottleInterval: '100 ms',
      // A call the test never answered is cancelled at stop instead of holding the worker.
      shutdownGraceTime: '1 second',
      ...versioning,
    } as const;
    const workers = await Promise.all([
      Worker.create({
        ...shared,
        taskQueue,
        workflowBundle: { codePath: options.workflowBundlePath },
        activities: { downloadWav },
        sinks: conversionSinks(new Metrics()),
      }),
      // The workflow sends provider calls to `<queue>-provider` (the rate-limited queue in production).
      Worker.create({ ...shared, taskQueue: `${taskQueue}-provider`, activities: { submitConversion, pollConversion } }),
    ]);
    const running = workers.map((worker) => worker.run());
    const stopAll = async () => {
      for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
      await Promise.allSettled(running);
      await connection.close();
      await clientConnection.close();
    };
    return new ScenarioHarness(new Client({ connection: clientConnection, namespace }), taskQueue, board, stopAll);
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
    await this.stopAll();
  }
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
