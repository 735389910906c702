import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  condition,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  proxySinks,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { FailureType } from '../failures';
import type { ProviderCallback } from '../provider/types';
import { interpretCallback, interpretRecord, type Answer } from './answers';
import {
  DEFAULT_DEADLINE_MS,
  DEFAULT_DOWNLOAD_HEARTBEAT_TIMEOUT_MS,
  DEFAULT_HISTORY_EVENT_LIMIT,
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_PROVIDER_CALL_TIMEOUT_MS,
  malformedCallbackSignal,
  MAX_URL_REFRESHES,
  providerCallbackSignal,
  providerTaskQueue,
  statusQuery,
  WavProviderTaskId,
  WavStatus,
  type AnswerSource,
  type ConversionInput,
  type ConversionResult,
  type ConversionSinks,
  type ConversionStatus,
  type IgnoredCallback,
  type Phase,
} from './messages';


const { conversionMetrics } = proxySinks<ConversionSinks>();

/** Kept for inspection; older ones are dropped so the query result stays small. */
const MAX_KEPT_CALLBACKS = 20;
const MAX_KEPT_MALFORMED = 5;

/** Poll failures after which waiting longer cannot help. */
const FATAL_POLL_FAILURES: readonly string[] = [FailureType.ProviderUnauthorized, FailureType.InsufficientCredits];

type Decided = Exclude<Answer, { kind: 'pending' }>;

/**
 * One conversion: submit, wait for the first terminal answer from a callback or a poll, download.
 */
export async function convertToWav(input: ConversionInput): Promise<ConversionResult> {
  const info = workflowInfo();
  const pollIntervalMs = input.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const confirmCallbacks = input.confirmCallbacks ?? true;
  const historyEventLimit = input.historyEventLimit ?? DEFAULT_HISTORY_EVENT_LIMIT;
  const status: ConversionStatus = input.carried ? { ...input.carried, runs: input.carried.runs + 1 } : initialStatus(input);

  // The provider's activities go through a queue whose worker enforces the provider's rate limit.
  // Rate limits and outages retry (the activity sets a jittered delay); refusals are non-retryable.
  const providerCall = {
    taskQueue: providerTaskQueue(info.taskQueue),
    // Also how long a worker that died during the call holds the conversion up.
    startToCloseTimeout: input.providerCallTimeoutMs ?? DEFAULT_PROVIDER_CALL_TIMEOUT_MS,
    scheduleToCloseTimeout: '30 minutes',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes' },
  } as const;
  const { submitConversion } = proxyActivities<Activities>({ ...providerCall, summary: 'submit the conversion to the provider' });
  const { pollConversion } = proxyActivities<Activities>({ ...providerCall, summary: 'ask record-info for the outcome' });
  const { downloadWav } = proxyActivities<Activities>({
    summary: 'download the WAV',
    startToCloseTimeout: '30 minutes',
    // How long a worker that died mid-download holds the file up before another attempt resumes it.
    heartbeatTimeout: input.downloadHeartbeatTimeoutMs ?? DEFAULT_DOWNLOAD_HEARTBEAT_TIMEOUT_MS,
    // Each attempt resumes where the last one stopped; a full disk waits for space instead of failing.
    scheduleToCloseTimeout: '12 hours',
    // The activity removes its .part file before the workflow reports the cancellation.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
  });

  let answer: Decided | undefined;
  /** The URL of a success callback awaiting its confirmation by record-info. */
  let claim: string | undefined;
  let confirming = false;
  // Callbacks that arrive before submit returns cannot be matched to a task id yet.
  const earlyCallbacks: ProviderCallback[] = [];

  const ignore = (callback: ProviderCallback, reason: IgnoredCallback['reason']) => {
    conversionMetrics.callbackIgnored(reason);
    log.info('callback ignored', { reason, callbackTaskId: callback.taskId, code: callback.code });
    status.ignoredCallbacks.push({ reason, taskId: callback.taskId, code: callback.code, msg: callback.msg, at: now() });
    if (status.ignoredCallbacks.length > MAX_KEPT_CALLBACKS) status.ignoredCallbacks.shift();
  };
  const decide = (candidate: Decided, source: AnswerSource) => {
    if (answer) return;
    answer = candidate;
    status.answeredBy = source;
    status.answeredAt = now();
    log.info('answer decided', { kind: candidate.kind, source });
  };
  const consider = (callback: ProviderCallback) => {
    if (callback.taskId !== status.wavTaskId) {
      status.callbacks.mismatched++;
      return ignore(callback, 'other-task');
    }
    if (answer || claim !== undefined || confirming) {
      status.callbacks.duplicates++;
      return ignore(callback, 'after-outcome');
    }
    const candidate = interpretCallback(callback);
    if (candidate.kind === 'pending') {
      status.callbacks.withoutUrl++;
      return ignore(callback, 'no-url');
    }
    if (candidate.kind === 'success' && confirmCallbacks) claim = candidate.url;
    else decide(candidate, 'callback');
  };

  setHandler(providerCallbackSignal, (callback) => {
    status.callbacks.received++;
    if (status.wavTaskId === undefined) earlyCallbacks.push(callback);
    else consider(callback);
  });
  setHandler(malformedCallbackSignal, ({ body, error }) => {
    status.callbacks.malformed++;
    status.malformedCallbacks.push({ error, body: body.slice(0, 1024), at: now() });
    if (status.malformedCallbacks.length > MAX_KEPT_MALFORMED) status.malformedCallbacks.shift();
  });
  setHandler(statusQuery, () => status);

  const enter = (phase: Phase, details: string) => {
    status.phase = phase;
    status.phases.push({ phase, at: now() });
    upsertSearchAttributes([{ key: WavStatus, value: phase }]);
    setCurrentDetails(details);
    log.info(`conversion ${phase}`, { phase });
  };
  const fail = (type: string, message: string): never => {
    status.failure = { type, message };
    enter('failed', `**failed** ${type}: ${message}`);
    conversionMetrics.ended('failed', type);
    throw ApplicationFailure.create({ type, message, nonRetryable: true });
  };
  /** An activity's typed failure becomes the conversion's; untyped ones (timeouts) get `fallback`. */
  const failWith = (fallback: FailureType) => (err: unknown): never => {
    if (isCancellation(err)) throw err;
    const cause = err instanceof ActivityFailure ? err.cause : err;
    const type = cause instanceof ApplicationFailure && cause.type ? cause.type : fallback;
    return fail(type, cause instanceof Error ? cause.message : String(cause));
  };

  /** One record-info call. A poll that fails is only a missed poll, unless waiting cannot help. */
  const poll = async (wavTaskId: string): Promise<Answer> => {
    status.polls++;
    try {
      return interpretRecord(await pollConversion({ wavTaskId }));
    } catch (err) {
      if (isCancellation(err)) throw err;
      const cause = err instanceof ActivityFailure ? err.cause : undefined;
      if (cause instanceof ApplicationFailure && cause.type && FATAL_POLL_FAILURES.includes(cause.type)) fail(cause.type, cause.message);
      log.warn('poll failed; waiting for the next interval', { error: String(err) });
      return { kind: 'pending', reason: 'poll-failed' };
    }
  };

  const submit = async (): Promise<string> => {
    setCurrentDetails('**submitting** to the provider');
    const submitted = await submitConversion({ conversionId: info.workflowId, taskId: input.taskId, audioId: input.audioId }).catch(failWith(FailureType.ProviderUnavailable));
    status.wavTaskId = submitted.taskId;
    if (submitted.adopted) status.adopted = true;
    upsertSearchAttributes([{ key: WavProviderTaskId, value: submitted.taskId }]);
    enter('waiting', `**waiting** for provider task \`${submitted.taskId}\`${submitted.adopted ? ' (adopted after 409)' : ''}`);
    for (const callback of earlyCallbacks.splice(0)) consider(callback);
    return submitted.taskId;
  };

  const waitForAnswer = async (wavTaskId: string): Promise<Decided> => {
    const deadline = Date.parse(status.deadlineAt);
    while (!answer) {
      const { historyLength, continueAsNewSuggested } = workflowInfo();
      if (claim === undefined && (historyLength >= historyEventLimit || continueAsNewSuggested)) {
        // Long waits would grow the history without bound: start afresh, carrying everything.
        return continueAsNew<typeof convertToWav>({ ...input, carried: status });
      }
      const wait = Math.max(0, Math.min(pollIntervalMs, deadline - Date.now()));
      status.nextPollAt = new Date(Date.now() + wait).toISOString();
      setCurrentDetails(
        `**waiting** for provider task \`${wavTaskId}\`: ${status.callbacks.received} callbacks, ${status.polls} polls; ` +
          `next poll at ${status.nextPollAt.slice(11, 19)} UTC`,
      );
      if (wait > 0) await condition(() => answer !== undefined || claim !== undefined, wait, { summary: 'wait for callback or next poll' });
      if (answer) break;
      if (claim !== undefined) {
        // A success callback: believe record-info's URL, not the callback's.
        claim = undefined;
        confirming = true;
        const confirmed = await poll(wavTaskId);
        confirming = false;
        if (confirmed.kind !== 'pending') decide(confirmed, confirmed.kind === 'success' ? 'callback' : 'poll');
        continue;
      }
      const polled = await poll(wavTaskId);
      if (polled.kind !== 'pending') decide(polled, 'poll');
      else if (Date.now() >= deadline) {
        fail(FailureType.ConversionTimedOut, `no terminal answer by ${status.deadlineAt} (${status.polls} polls, ${status.callbacks.received} callbacks)`);
      }
    }
    return answer;
  };

  const download = async (wavTaskId: string, firstUrl: string): Promise<ConversionResult> => {
    enter('downloading', `**downloading** the WAV for provider task \`${wavTaskId}\``);
    let url = firstUrl;
    for (;;) {
      status.downloadAttempts++;
      try {
        const file = await downloadWav({ conversionId: info.workflowId, url, wavTaskId });
        status.downloadAttempts += file.attempt - 1;
        return { ...file, wavTaskId, answeredBy: status.answeredBy ?? 'poll' };
      } catch (err) {
        const cause = err instanceof ActivityFailure ? err.cause : err;
        if (!(cause instanceof ApplicationFailure && cause.type === FailureType.WavUrlExpired) || status.urlRefreshes >= MAX_URL_REFRESHES) {
          return failWith(FailureType.DownloadFailed)(err);
        }
        const message = cause.message;
        // The URL expired: record-info hands out a fresh one.
        status.urlRefreshes++;
        setCurrentDetails(`**downloading**: URL expired (${message}); asking record-info for a fresh one`);
        const fresh = await poll(wavTaskId);
        if (fresh.kind !== 'success') return fail(FailureType.WavUrlExpired, `${message}; record-info gave no fresh URL`);
        url = fresh.url;
      }
    }
  };

  try {
    const wavTaskId = status.wavTaskId ?? (await submit());
    if (input.carried) {
      upsertSearchAttributes([
        { key: WavProviderTaskId, value: wavTaskId },
        { key: WavStatus, value: status.phase },
      ]);
    }
    const decided = await waitForAnswer(wavTaskId);
    if (decided.kind === 'failure') return fail(decided.type, decided.message);
    status.result = await download(wavTaskId, decided.url);
    status.completedAt = now();
    enter('completed', `**completed** ${status.result.bytes} bytes, sha256 \`${status.result.sha256}\``);
    conversionMetrics.ended('completed');
    return status.result;
  } catch (err) {
    if (isCancellation(err)) {
      enter('cancelled', '**cancelled**');
      conversionMetrics.ended('cancelled');
    }
    throw err;
  }
}

function initialStatus(input: ConversionInput): ConversionStatus {
  const info = workflowInfo();
  return {
    conversionId: info.workflowId,
    phase: 'submitting',
    phases: [{ phase: 'submitting', at: info.startTime.toISOString() }],
    ...(input.taskId ? { taskId: input.taskId } : {}),
    ...(input.audioId ? { audioId: input.audioId } : {}),
    callbacks: { received: 0, duplicates: 0, mismatched: 0, withoutUrl: 0, malformed: 0 },
    ignoredCallbacks: [],
    malformedCallbacks: [],
    polls: 0,
    downloadAttempts: 0,
    urlRefreshes: 0,
    runs: 1,
    startedAt: info.startTime.toISOString(),
    deadlineAt: new Date(info.startTime.getTime() + (input.deadlineMs ?? DEFAULT_DEADLINE_MS)).toISOString(),
  };
}

/** Workflow time: deterministic, replay-safe. */
const now = () => new Date().toISOString();
