import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';

/** The activities convertToWav calls; each one is a double in the scenario harness. */
export const ACTIVITY_NAMES = ['submitConversion', 'pollConversion', 'downloadWav', 'discardPartialWav'] as const;
/** One of those, or an activity a test-only workflow adds (HarnessOptions.extraActivities). */
export type ActivityName = (typeof ACTIVITY_NAMES)[number] | (string & {});

export interface FailOptions {
  /** Default false: the activity fails for good (stands for "retries exhausted" too). */
  retryable?: boolean;
  message?: string;
}

/**
 * One activity call the workflow made and the test has not answered yet. The worker's activity
 * slot stays busy until `resolve` or `fail`, so the test chooses exactly when the workflow learns
 * the outcome, and what else (signals, cancellation) happens first.
 */
export class PendingCall {
  /** Settles when the test answers, or rejects when Temporal cancels the activity. */
  readonly settled: Promise<void>;
  /** Resolves when Temporal delivered a cancellation to this call (it then ends as cancelled). */
  readonly cancelled: Promise<void>;
  private answer!: { resolve: (value: unknown) => void; reject: (err: unknown) => void };
  private readonly answered: Promise<unknown>;
  private markCancelled!: () => void;
  private done = false;
  /** What the call's cancellation carries as details (a download that keeps its partial file ends with its checkpoint). */
  cancellationDetails: unknown[] = [];

  constructor(
    readonly name: ActivityName,
    readonly input: unknown,
    /** The run that made the call: after a continue-as-new, calls come from the new run. */
    readonly runId: string,
    /** The activity's id within its run (matches its ActivityTaskScheduled event). */
    readonly activityId: string,
    /** 1 on the first attempt; a retryable failure brings the same call back with attempt + 1. */
    readonly attempt: number,
  ) {
    this.answered = new Promise((resolve, reject) => (this.answer = { resolve, reject }));
    this.cancelled = new Promise((resolve) => (this.markCancelled = resolve));
    this.settled = this.answered.then(
      () => undefined,
      () => undefined,
    );
  }

  /** Set by the run that took the call: resolves once a workflow task has handled the answer. */
  whenHandled: () => Promise<void> = () => Promise.resolve();

  /** Returns the value; resolves once the workflow has handled it (in a workflow task of its own). */
  resolve(value: unknown): Promise<void> {
    this.settle();
    this.answer.resolve(value);
    return this.whenHandled();
  }

  /**
   * Fails with an ApplicationFailure of `type`. Non-retryable ones resolve once the workflow has
   * handled them; a retryable one resolves at once (Temporal retries it: take the call again).
   */
  fail(type: string, options: FailOptions = {}): Promise<void> {
    this.settle();
    this.answer.reject(ApplicationFailure.create({ type, message: options.message ?? `${type} (test double)`, nonRetryable: !options.retryable }));
    return options.retryable ? Promise.resolve() : this.whenHandled();
  }

  private settle() {
    if (this.done) throw new Error(`${this.name} (attempt ${this.attempt}) was answered twice`);
    this.done = true;
  }

  /** What the activity returns to the worker: the test's answer, or Temporal's cancellation. */
  async run(context: Context): Promise<unknown> {
    // Activities with a heartbeat timeout (the download) learn of cancellation through heartbeats.
    const beating = context.info.heartbeatTimeoutMs ? setInterval(() => context.heartbeat(), 100) : undefined;
    try {
      return await Promise.race([this.answered, context.cancelled]);
    } catch (err) {
      if (err instanceof CancelledFailure) {
        this.done = true;
        this.markCancelled();
        if (this.cancellationDetails.length) throw new CancelledFailure(err.message, this.cancellationDetails);
      }
      throw err;
    } finally {
      clearInterval(beating);
    }
  }
}

/**
 * Where the doubles leave their calls, per workflow id (a continue-as-new keeps the id, so one
 * conversion's calls stay in one place across runs), and where the test picks them up in order.
 */
export class CallBoard {
  private readonly arrived = new Map<string, PendingCall[]>();
  private readonly waiting = new Set<() => void>();

  /** Activity doubles by name, for Worker.create's `activities`. */
  doubles(names: readonly string[]): Record<string, (input: unknown) => Promise<unknown>> {
    const double = (name: ActivityName) => (input: unknown) => {
      const context = Context.current();
      const { workflowId = '', runId = '' } = context.info.workflowExecution ?? {};
      const call = new PendingCall(name, input, runId, context.info.activityId, context.info.attempt);
      this.post(workflowId, call);
      return call.run(context);
    };
    return Object.fromEntries(names.map((name) => [name, double(name)]));
  }

  /** Takes the oldest unanswered-and-untaken call of `name` made by `workflowId`, waiting for one. */
  async take(workflowId: string, name: ActivityName, timeoutMs: number, gaveUp?: Promise<string>): Promise<PendingCall> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const queue = this.arrived.get(workflowId) ?? [];
      const index = queue.findIndex((call) => call.name === name);
      if (index >= 0) return queue.splice(index, 1)[0] as PendingCall;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${workflowId}: no ${name} call within ${timeoutMs} ms (calls waiting: ${this.describe(workflowId)})`);
      let wake!: () => void;
      const arrival = new Promise<void>((resolve) => (wake = resolve));
      this.waiting.add(wake);
      const timer = setTimeout(wake, left);
      try {
        const reason = await Promise.race([arrival.then(() => undefined), gaveUp ?? new Promise<never>(() => {})]);
        if (reason !== undefined) throw new Error(`${workflowId}: no ${name} call: ${reason}`);
      } finally {
        clearTimeout(timer);
        this.waiting.delete(wake);
      }
    }
  }

  /** Calls that arrived and were never taken (a scenario that ends with these left a question open). */
  untaken(workflowId: string): PendingCall[] {
    return [...(this.arrived.get(workflowId) ?? [])];
  }

  private post(workflowId: string, call: PendingCall) {
    const queue = this.arrived.get(workflowId) ?? [];
    queue.push(call);
    this.arrived.set(workflowId, queue);
    for (const wake of this.waiting) wake();
  }

  private describe(workflowId: string) {
    const names = (this.arrived.get(workflowId) ?? []).map((call) => call.name);
    return names.length ? names.join(', ') : 'none';
  }
}
