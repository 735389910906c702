import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  isCancellation,
  log,
  proxyActivities,
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
  DEFAULT_POLL_INTERVAL_MS,
  providerCallbackSignal,
  statusQuery,
  WavProviderTaskId,
  WavStatus,
  type AnswerSource,
  type ConversionInput,
  type ConversionResult,
  type ConversionStatus,
  type IgnoredCallback,
  type Phase,
} from './messages';

const { submitConversion } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  // Rate limits and provider outages retry with backoff; refusals are non-retryable failures.
  scheduleToCloseTimeout: '30 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes' },
});

const { pollConversion } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  // A poll that keeps failing is only a missed poll: the next interval tries again.
  retry: { initialInterval: '1 second', maximumAttempts: 3 },
});

const { downloadWav } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

/** Kept for inspection; older ones are dropped so history-derived state stays small. */
const MAX_IGNORED_CALLBACKS = 20;

/** Poll failures after which waiting longer cannot help. */
const FATAL_POLL_FAILURES: readonly string[] = [FailureType.ProviderUnauthorized, FailureType.InsufficientCredits];

/**
 * One conversion: submit, wait for the first terminal answer from a callback or a poll, download.
 */
export async function convertToWav(input: ConversionInput): Promise<ConversionResult> {
  const info = workflowInfo();
  const pollIntervalMs = input.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const deadline = info.startTime.getTime() + (input.deadlineMs ?? DEFAULT_DEADLINE_MS);

  const status: ConversionStatus = {
    conversionId: info.workflowId,
    phase: 'submitting',
    phases: [{ phase: 'submitting', at: info.startTime.toISOString() }],
    ...(input.taskId ? { taskId: input.taskId } : {}),
    ...(input.audioId ? { audioId: input.audioId } : {}),
    callbacks: { received: 0, ignored: 0 },
    ignoredCallbacks: [],
    polls: 0,
    startedAt: info.startTime.toISOString(),
  };
  let answer: Exclude<Answer, { kind: 'pending' }> | undefined;
  // Callbacks that arrive before submit returns cannot be matched to a task id yet.
  const earlyCallbacks: ProviderCallback[] = [];

  const ignore = (callback: ProviderCallback, reason: IgnoredCallback['reason']) => {
    status.callbacks.ignored++;
    status.ignoredCallbacks.push({ reason, taskId: callback.taskId, code: callback.code, msg: callback.msg, at: new Date().toISOString() });
    if (status.ignoredCallbacks.length > MAX_IGNORED_CALLBACKS) status.ignoredCallbacks.shift();
  };
  const decide = (candidate: Answer, source: AnswerSource): boolean => {
    if (candidate.kind === 'pending' || answer) return false;
    answer = candidate;
    status.answeredBy = source;
    status.answeredAt = new Date().toISOString();
    return true;
  };
  const consider = (callback: ProviderCallback) => {
    if (callback.taskId !== status.wavTaskId) return ignore(callback, 'other-task');
    if (answer) return ignore(callback, 'after-outcome');
    const candidate = interpretCallback(callback);
    if (candidate.kind === 'pending') return ignore(callback, 'no-url');
    decide(candidate, 'callback');
  };

  setHandler(providerCallbackSignal, (callback) => {
    status.callbacks.received++;
    if (status.wavTaskId === undefined) earlyCallbacks.push(callback);
    else consider(callback);
  });
  setHandler(statusQuery, () => status);

  const enter = (phase: Phase, details: string) => {
    status.phase = phase;
    status.phases.push({ phase, at: new Date().toISOString() });
    upsertSearchAttributes([{ key: WavStatus, value: phase }]);
    setCurrentDetails(details);
  };
  const fail = (type: string, message: string): never => {
    status.failure = { type, message };
    enter('failed', `**failed** ${type}: ${message}`);
    throw ApplicationFailure.create({ type, message, nonRetryable: true });
  };

  setCurrentDetails('**submitting** to the provider');
  const submitted = await submitConversion({ conversionId: info.workflowId, taskId: input.taskId, audioId: input.audioId });
  status.wavTaskId = submitted.taskId;
  upsertSearchAttributes([{ key: WavProviderTaskId, value: submitted.taskId }]);
  enter('waiting', `**waiting** for provider task \`${submitted.taskId}\`${submitted.adopted ? ' (adopted from 409)' : ''}`);
  for (const callback of earlyCallbacks.splice(0)) consider(callback);

  const poll = async () => {
    status.polls++;
    try {
      decide(interpretRecord(await pollConversion({ wavTaskId: submitted.taskId })), 'poll');
    } catch (err) {
      if (isCancellation(err)) throw err;
      const cause = err instanceof ActivityFailure ? err.cause : undefined;
      if (cause instanceof ApplicationFailure && cause.type && FATAL_POLL_FAILURES.includes(cause.type)) fail(cause.type, cause.message);
      log.warn('poll failed; waiting for the next interval', { error: String(err) });
    }
  };

  while (!answer) {
    const remaining = deadline - Date.now();
    if (remaining > 0 && (await condition(() => answer !== undefined, Math.min(pollIntervalMs, remaining)))) break;
    await poll();
    if (!answer && Date.now() >= deadline) {
      fail(FailureType.ConversionTimedOut, `no terminal answer within ${(input.deadlineMs ?? DEFAULT_DEADLINE_MS) / 1000} s`);
    }
  }

  // `answer` is set: the loop above only ends that way or by throwing.
  const decided = answer as Exclude<Answer, { kind: 'pending' }>;
  if (decided.kind === 'failure') return fail(decided.type, decided.message);

  enter('downloading', `**downloading** the WAV for provider task \`${submitted.taskId}\``);
  try {
    const download = await downloadWav({ conversionId: info.workflowId, url: decided.url });
    status.result = { ...download, wavTaskId: submitted.taskId, answeredBy: status.answeredBy ?? 'poll' };
  } catch (err) {
    if (isCancellation(err)) throw err;
    const cause = err instanceof ActivityFailure ? err.cause : err;
    const type = cause instanceof ApplicationFailure && cause.type ? cause.type : FailureType.DownloadFailed;
    return fail(type, cause instanceof Error ? cause.message : String(cause));
  }
  status.completedAt = new Date().toISOString();
  enter('completed', `**completed** ${status.result.bytes} bytes, sha256 \`${status.result.sha256}\``);
  return status.result;
}
