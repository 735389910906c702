import {
  ActivityCancellationType,
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
import { applicationFailureType, expiredUrlMessage, failureOf } from './activity-errors';
import { interpretRecord, type Answer } from './answers';
import { ConversionState, isFatalPollFailure, startingPoint, waitSettings, type Decided } from './conversion-state';
import {
  DEFAULT_DOWNLOAD_HEARTBEAT_TIMEOUT_MS,
  DEFAULT_PROVIDER_CALL_TIMEOUT_MS,
  malformedCallbackSignal,
  providerCallbackSignal,
  providerTaskQueue,
  statusQuery,
  WavProviderTaskId,
  WavStatus,
  type ConversionInput,
  type ConversionResult,
  type ConversionSinks,
  type Phase,
} from './messages';
import { readCallbackSignal, readCallbackSignalAsBefore, readMalformedSignal } from './signals';
import { commandChanges } from './versions';

const { conversionMetrics } = proxySinks<ConversionSinks>();

/**
 * One conversion: submit, wait for the first terminal answer from a callback or a poll, download.
 * The decisions live in ConversionState; this function issues the Temporal commands, in order.
 */
export async function convertToWav(input: ConversionInput): Promise<ConversionResult> {
  const info = workflowInfo();
  const changes = commandChanges();
  const start = startingPoint(input, info, changes.has('checked-inputs'));
  const conversion = new ConversionState(start.status, waitSettings(start.input), {
    ignored: (reason, callback) => {
      conversionMetrics.callbackIgnored(reason);
      log.info('callback ignored', { reason, callbackTaskId: callback.taskId, code: callback.code });
    },
    decided: (answer, source) => log.info('answer decided', { kind: answer.kind, source }),
  });
  const { status } = conversion;
  const { submitConversion, pollConversion, downloadWav } = activitiesFor(start.input, info.taskQueue);

  // Signals are read, never trusted: one that cannot be read is kept as a malformed callback.
  const readCallback = changes.has('checked-inputs') ? readCallbackSignal : readCallbackSignalAsBefore;
  setHandler(providerCallbackSignal, (value: unknown) => {
    const read = readCallback(value);
    if (read.ok) return conversion.onCallback(read.callback);
    conversionMetrics.malformedSignal();
    conversion.onMalformed(read.malformed);
  });
  setHandler(malformedCallbackSignal, (value: unknown) => {
    const { malformed, readable } = readMalformedSignal(value);
    if (!readable) conversionMetrics.malformedSignal();
    conversion.onMalformed(malformed);
  });
  setHandler(statusQuery, () => status);

  const enter = (phase: Phase, details: string) => {
    conversion.enter(phase);
    upsertSearchAttributes([{ key: WavStatus, value: phase }]);
    setCurrentDetails(details);
    log.info(`conversion ${phase}`, { phase });
  };
  const fail = (type: string, message: string): never => {
    conversion.failed(type, message);
    enter('failed', `**failed** ${type}: ${message}`);
    conversionMetrics.ended('failed', type);
    throw ApplicationFailure.create({ type, message, nonRetryable: true });
  };
  /** An activity's typed failure becomes the conversion's; untyped ones (timeouts) get `fallback`. */
  const failWith = (fallback: FailureType) => (err: unknown): never => {
    if (isCancellation(err)) throw err;
    const { type, message } = failureOf(err, fallback);
    return fail(type, message);
  };

  /** One record-info call. A poll that fails is only a missed poll, unless waiting cannot help. */
  const poll = async (wavTaskId: string): Promise<Answer> => {
    conversion.onPollStarted();
    try {
      return interpretRecord(await pollConversion({ wavTaskId }));
    } catch (err) {
      if (isCancellation(err)) throw err;
      if (isFatalPollFailure(applicationFailureType(err))) failWith(FailureType.ProviderUnavailable)(err);
      log.warn('poll failed; waiting for the next interval', { error: String(err) });
      return { kind: 'pending', reason: 'poll-failed' };
    }
  };

  const submit = async (): Promise<string> => {
    setCurrentDetails('**submitting** to the provider');
    const submitted = await submitConversion({ conversionId: info.workflowId, taskId: start.input.taskId, audioId: start.input.audioId }).catch(failWith(FailureType.ProviderUnavailable));
    conversion.onSubmitted(submitted);
    upsertSearchAttributes([{ key: WavProviderTaskId, value: submitted.taskId }]);
    enter('waiting', `**waiting** for provider task \`${submitted.taskId}\`${submitted.adopted ? ' (adopted after 409)' : ''}`);
    conversion.considerEarlyCallbacks();
    return submitted.taskId;
  };

  const waitForAnswer = async (wavTaskId: string): Promise<Decided> => {
    while (!conversion.decided) {
      if (conversion.shouldContinueAsNew(workflowInfo())) {
        return continueAsNew<typeof convertToWav>({ ...start.input, carried: status });
      }
      const wait = conversion.nextWait();
      setCurrentDetails(conversion.waitingDetails(wavTaskId));
      if (wait > 0) await condition(() => conversion.hasNews, wait, { summary: 'wait for callback or next poll' });
      if (conversion.decided) break;
      if (conversion.startConfirmation()) {
        // A success callback: believe record-info's URL, not the callback's.
        conversion.onConfirmation(await poll(wavTaskId));
        continue;
      }
      const polled = await poll(wavTaskId);
      conversion.onPolled(polled);
      if (polled.kind === 'pending' && conversion.deadlinePassed()) fail(FailureType.ConversionTimedOut, conversion.timeoutMessage());
    }
    return conversion.decided;
  };

  const download = async (wavTaskId: string, firstUrl: string): Promise<ConversionResult> => {
    enter('downloading', `**downloading** the WAV for provider task \`${wavTaskId}\``);
    let url = firstUrl;
    for (;;) {
      conversion.onDownloadStarted();
      try {
        return conversion.onDownloaded(await downloadWav({ conversionId: info.workflowId, url, wavTaskId }), wavTaskId);
      } catch (err) {
        const expired = expiredUrlMessage(err);
        if (expired === undefined || !conversion.mayRefreshUrl()) return failWith(FailureType.DownloadFailed)(err);
        // The URL expired: record-info hands out a fresh one.
        conversion.onUrlRefresh();
        setCurrentDetails(`**downloading**: URL expired (${expired}); asking record-info for a fresh one`);
        const fresh = await poll(wavTaskId);
        if (fresh.kind !== 'success') return fail(FailureType.WavUrlExpired, `${expired}; record-info gave no fresh URL`);
        url = fresh.url;
      }
    }
  };

  try {
    if (start.invalid !== undefined) fail(FailureType.InvalidConversionInput, start.invalid);
    const wavTaskId = status.wavTaskId ?? (await submit());
    if (start.input.carried) {
      upsertSearchAttributes([
        { key: WavProviderTaskId, value: wavTaskId },
        { key: WavStatus, value: status.phase },
      ]);
    }
    const decided = await waitForAnswer(wavTaskId);
    if (decided.kind === 'failure') return fail(decided.type, decided.message);
    const result = await download(wavTaskId, decided.url);
    conversion.onCompleted(result);
    enter('completed', `**completed** ${result.bytes} bytes, sha256 \`${result.sha256}\``);
    conversionMetrics.ended('completed');
    return result;
  } catch (err) {
    if (isCancellation(err)) {
      enter('cancelled', '**cancelled**');
      conversionMetrics.ended('cancelled');
    }
    throw err;
  }
}

/**
 * The activities with their timeouts and retries. The provider's go through a queue whose worker
 * enforces the provider's rate limit. Rate limits and outages retry (the activity sets a jittered
 * delay); refusals are non-retryable.
 */
function activitiesFor(input: ConversionInput, taskQueue: string) {
  const providerCall = {
    taskQueue: providerTaskQueue(taskQueue),
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
  return { submitConversion, pollConversion, downloadWav };
}
