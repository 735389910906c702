import type { DownloadResult, SubmitResult } from '../activities/types';
import type { ProviderCallback } from '../provider/types';
import { interpretCallback, type Answer } from './answers';
import { checkCarried } from './carried-status';
import { checkInput } from './input';
import {
  DEFAULT_DEADLINE_MS,
  DEFAULT_HISTORY_EVENT_LIMIT,
  DEFAULT_POLL_INTERVAL_MS,
  MAX_URL_REFRESHES,
  type AnswerSource,
  type ConversionInput,
  type ConversionResult,
  type ConversionStatus,
  type IgnoredCallback,
  type MalformedCallback,
  type Phase,
} from './messages';

/**
 * What a conversion knows and decides, without Temporal: the workflow feeds it what happened
 * (callbacks, submit and poll results, the clock) and asks it what to do next. Pure, so every
 * decision is unit-tested without a server; convertToWav keeps only the Temporal commands.
 */

/** A terminal answer: download this URL, or fail with this type. */
export type Decided = Exclude<Answer, { kind: 'pending' }>;

/** Told of decisions as they are taken, for logs and metrics (the workflow wires it to both). */
export interface ConversionObserver {
  ignored(reason: IgnoredCallback['reason'], callback: ProviderCallback): void;
  decided(answer: Decided, source: AnswerSource): void;
}

/** The part of the input that steers the waiting, with its defaults applied. */
export interface WaitSettings {
  pollIntervalMs: number;
  confirmCallbacks: boolean;
  /**
   * Confirm failure callbacks too (runs started on 0.2 or later): a provider's signature may
   * cover only the task id and a timestamp, so a replayed one with an altered body must not fail
   * a conversion that record-info does not say failed.
   */
  confirmFailures: boolean;
  historyEventLimit: number;
}

/** Kept for inspection; older ones are dropped so the query result stays small. */
export const MAX_KEPT_CALLBACKS = 20;
export const MAX_KEPT_MALFORMED = 5;
/** Bytes of a malformed body kept in the status. */
const KEPT_MALFORMED_BODY = 1024;

export function waitSettings(input: ConversionInput, { confirmFailures = false } = {}): WaitSettings {
  const confirmCallbacks = input.confirmCallbacks ?? true;
  return {
    pollIntervalMs: input.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    confirmCallbacks,
    confirmFailures: confirmCallbacks && confirmFailures,
    historyEventLimit: input.historyEventLimit ?? DEFAULT_HISTORY_EVENT_LIMIT,
  };
}

/** The status of a conversion's first run. */
export function initialStatus(input: ConversionInput, workflowId: string, startTime: Date): ConversionStatus {
  return {
    conversionId: workflowId,
    phase: 'submitting',
    phases: [{ phase: 'submitting', at: startTime.toISOString() }],
    ...(input.taskId ? { taskId: input.taskId } : {}),
    ...(input.audioId ? { audioId: input.audioId } : {}),
    callbacks: { received: 0, duplicates: 0, mismatched: 0, withoutUrl: 0, malformed: 0 },
    ignoredCallbacks: [],
    malformedCallbacks: [],
    polls: 0,
    downloadAttempts: 0,
    urlRefreshes: 0,
    runs: 1,
    startedAt: startTime.toISOString(),
    deadlineAt: new Date(startTime.getTime() + (input.deadlineMs ?? DEFAULT_DEADLINE_MS)).toISOString(),
  };
}

/** The status a continued run starts from: the previous run's, one run more. */
export function continuedStatus(carried: ConversionStatus): ConversionStatus {
  return { ...carried, runs: carried.runs + 1 };
}

/** How far this run's history has grown, as Temporal says. */
export interface HistorySize {
  historyLength: number;
  continueAsNewSuggested: boolean;
}

/** What Temporal says of this run. */
export interface RunInfo {
  workflowId: string;
  startTime: Date;
  continuedFromExecutionRunId?: string | undefined;
}

/** The input a run works with and the status it starts from; `invalid` names what is wrong with the input. */
export interface StartingPoint {
  input: ConversionInput;
  status: ConversionStatus;
  invalid?: string;
}

/**
 * Where a run starts. With `check` (runs started on 0.2 or later) the input is checked first,
 * and a carried state is taken only from this conversion's own continue-as-new. A bad input
 * leaves nothing of itself in the status but the failure.
 */
export function startingPoint(value: unknown, run: RunInfo, check: boolean): StartingPoint {
  const fresh = (input: ConversionInput) => initialStatus(input, run.workflowId, run.startTime);
  if (!check) {
    const input = value as ConversionInput;
    return { input, status: input.carried ? continuedStatus(input.carried) : fresh(input) };
  }
  const checked = checkInput(value);
  if (!checked.ok) return { input: {}, status: fresh({}), invalid: checked.error };
  const { carried, carriedDownload, ...input } = checked.input;
  if (carried === undefined && carriedDownload === undefined) return { input, status: fresh(input) };
  const state = checkCarried({ carried, carriedDownload }, run);
  if (!state.ok) return { input, status: fresh(input), invalid: state.error };
  return { input: { ...input, carried: state.status, ...(state.download ? { carriedDownload: state.download } : {}) }, status: continuedStatus(state.status) };
}

export class ConversionState {
  private answer: Decided | undefined;
  /** What a callback said, awaiting its confirmation by record-info. */
  private claim: Decided | undefined;
  private confirming = false;
  /** Callbacks that arrive before submit returns cannot be matched to a task id yet. */
  private readonly early: ProviderCallback[] = [];

  constructor(
    readonly status: ConversionStatus,
    private readonly settings: WaitSettings,
    private readonly observer: ConversionObserver,
    /** Workflow time in the workflow (deterministic); any clock in tests. */
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** The terminal answer, once there is one. */
  get decided(): Decided | undefined {
    return this.answer;
  }

  /** A callback waits for record-info to confirm it. */
  get hasClaim(): boolean {
    return this.claim !== undefined;
  }

  /** Whether the wait can end: an answer, or a callback to confirm. */
  get hasNews(): boolean {
    return this.answer !== undefined || this.claim !== undefined;
  }

  get deadline(): number {
    return Date.parse(this.status.deadlineAt);
  }

  onCallback(callback: ProviderCallback): void {
    this.status.callbacks.received++;
    if (this.status.wavTaskId === undefined) this.early.push(callback);
    else this.consider(callback);
  }

  onMalformed({ body, error }: MalformedCallback): void {
    this.status.callbacks.malformed++;
    this.status.malformedCallbacks.push({ error, body: body.slice(0, KEPT_MALFORMED_BODY), at: this.timestamp() });
    if (this.status.malformedCallbacks.length > MAX_KEPT_MALFORMED) this.status.malformedCallbacks.shift();
  }

  /** Submit returned the provider's task id: callbacks that came before it are considered now. */
  onSubmitted({ taskId: wavTaskId, adopted }: SubmitResult): void {
    this.status.wavTaskId = wavTaskId;
    if (adopted) this.status.adopted = true;
  }

  considerEarlyCallbacks(): void {
    for (const callback of this.early.splice(0)) this.consider(callback);
  }

  enter(phase: Phase): void {
    this.status.phase = phase;
    this.status.phases.push({ phase, at: this.timestamp() });
  }

  failed(type: string, message: string): void {
    this.status.failure = { type, message };
  }

  /** The history has grown as far as a run may let it: Temporal suggests a new run, or the limit is reached. */
  historyTooLong({ historyLength, continueAsNewSuggested }: HistorySize): boolean {
    return historyLength >= this.settings.historyEventLimit || continueAsNewSuggested;
  }

  /** Long waits would grow the history without bound; never while a callback awaits confirmation. */
  shouldContinueAsNew(history: HistorySize): boolean {
    return this.claim === undefined && this.historyTooLong(history);
  }

  /** How long to wait for news before the next poll (never past the deadline); records when that poll is due. */
  nextWait(): number {
    const now = this.now();
    const wait = Math.max(0, Math.min(this.settings.pollIntervalMs, this.deadline - now));
    this.status.nextPollAt = new Date(now + wait).toISOString();
    return wait;
  }

  waitingDetails(wavTaskId: string): string {
    const { callbacks, polls, nextPollAt = '' } = this.status;
    return `**waiting** for provider task \`${wavTaskId}\`: ${callbacks.received} callbacks, ${polls} polls; next poll at ${nextPollAt.slice(11, 19)} UTC`;
  }

  /** Starts confirming the claimed callback with record-info: what it claimed, or undefined when there is none. */
  startConfirmation(): Decided | undefined {
    const claim = this.claim;
    this.claim = undefined;
    this.confirming = claim !== undefined;
    return claim;
  }

  /**
   * Record-info's answer to a callback. A success is record-info's URL, credited to the callback.
   * A failure the callback reported stands when record-info agrees that the task failed (with the
   * callback's more specific type); when it disagrees, record-info's answer is the one taken.
   */
  onConfirmation(claim: Decided, answer: Answer): void {
    this.confirming = false;
    if (answer.kind === 'pending') return;
    if (claim.kind === 'failure') return this.decide(answer.kind === 'failure' ? claim : answer, answer.kind === 'failure' ? 'callback' : 'poll');
    this.decide(answer, answer.kind === 'success' ? 'callback' : 'poll');
  }

  onPollStarted(): void {
    this.status.polls++;
  }

  onPolled(answer: Answer): void {
    if (answer.kind !== 'pending') this.decide(answer, 'poll');
  }

  /** True once the deadline has passed: after a poll that did not decide, the conversion times out. */
  deadlinePassed(): boolean {
    return this.now() >= this.deadline;
  }

  timeoutMessage(): string {
    const { deadlineAt, polls, callbacks } = this.status;
    return `no terminal answer by ${deadlineAt} (${polls} polls, ${callbacks.received} callbacks)`;
  }

  onDownloadStarted(): void {
    this.status.downloadAttempts++;
  }

  /** The finished file as the conversion's result. */
  onDownloaded(file: DownloadResult, wavTaskId: string): ConversionResult {
    this.status.downloadAttempts += file.attempt - 1;
    return { ...file, wavTaskId, answeredBy: this.status.answeredBy ?? 'poll' };
  }

  /** An expired URL can be refreshed through record-info a bounded number of times. */
  mayRefreshUrl(): boolean {
    return this.status.urlRefreshes < MAX_URL_REFRESHES;
  }

  onUrlRefresh(): void {
    this.status.urlRefreshes++;
  }

  onCompleted(result: ConversionResult): void {
    this.status.result = result;
    this.status.completedAt = this.timestamp();
  }

  private consider(callback: ProviderCallback): void {
    if (callback.taskId !== this.status.wavTaskId) {
      this.status.callbacks.mismatched++;
      return this.ignore(callback, 'other-task');
    }
    if (this.answer || this.claim !== undefined || this.confirming) {
      this.status.callbacks.duplicates++;
      return this.ignore(callback, 'after-outcome');
    }
    const candidate = interpretCallback(callback);
    if (candidate.kind === 'pending') {
      this.status.callbacks.withoutUrl++;
      return this.ignore(callback, 'no-url');
    }
    const confirm = candidate.kind === 'success' ? this.settings.confirmCallbacks : this.settings.confirmFailures;
    if (confirm) this.claim = candidate;
    else this.decide(candidate, 'callback');
  }

  private ignore(callback: ProviderCallback, reason: IgnoredCallback['reason']): void {
    this.observer.ignored(reason, callback);
    this.status.ignoredCallbacks.push({ reason, taskId: callback.taskId, code: callback.code, msg: callback.msg, at: this.timestamp() });
    if (this.status.ignoredCallbacks.length > MAX_KEPT_CALLBACKS) this.status.ignoredCallbacks.shift();
  }

  private decide(candidate: Decided, source: AnswerSource): void {
    if (this.answer) return;
    this.answer = candidate;
    this.status.answeredBy = source;
    this.status.answeredAt = this.timestamp();
    this.observer.decided(candidate, source);
  }

  private timestamp(): string {
    return new Date(this.now()).toISOString();
  }
}
