import { ActivityFailure, CancelledFailure, type SearchAttributePair, type SearchAttributeUpdatePair, type TypedSearchAttributes } from '@temporalio/common';
import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  makeContinueAsNewFunc,
  proxyActivities,
  proxySinks,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities, DownloadResult } from '../activities';
import { endsWaiting, FailureType } from '../failures';
import { applicationFailureType, expiredUrlMessage, failureOf } from './activity-errors';
import { interpretRecord, type Answer } from './answers';
import { ConversionState, startingPoint, waitSettings, type Decided } from './conversion-state';
import {
  DEFAULT_DOWNLOAD_HEARTBEAT_TIMEOUT_MS,
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_PROVIDER_CALL_TIMEOUT_MS,
  PROVIDER_BACKOFF,
  malformedCallbackSignal,
  providerCallbackSignal,
  providerTaskQueue,
  statusQuery,
  WavTaskIdAttribute,
  PhaseAttribute,
  isClosingPhase,
  AudioIdAttribute,
  type CarriedDownload,
  type ConversionStatus,
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
  const bounded = changes.has('bounded-waits');
  const fewer = changes.has('fewer-commands');
  const keepsPartials = changes.has('kept-partials');
  const start = startingPoint(input, info, changes.has('checked-inputs'));
  const conversion = new ConversionState(start.status, waitSettings(start.input, { confirmFailures: bounded }), {
    ignored: (reason, callback) => {
      conversionMetrics.callbackIgnored(reason);
      log.info('callback ignored', { reason, callbackTaskId: callback.taskId, code: callback.code });
    },
    decided: (answer, source) => log.info('answer decided', { kind: answer.kind, source }),
  });
  const { status } = conversion;
  const { submitConversion, pollConversion, downloadWav, discardPartialWav } = activitiesFor(start.input, info.taskQueue, bounded);

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

  /**
   * Enters a phase: the status query and current details say so at once; the WavStatus search
   * attribute, with `also` in the same command, for a running phase. Runs started on 0.2 or later
   * leave a closing phase to Temporal's own execution status, which says it without a command.
   */
  const enter = (phase: Phase, details: string, also: SearchAttributeUpdatePair[] = []) => {
    conversion.enter(phase);
    if (!fewer || !isClosingPhase(phase)) upsertSearchAttributes([...also, { key: PhaseAttribute, value: phase }]);
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

  /**
   * Stray signals (a leaked callback URL) grow the history while the workflow waits on anything.
   * Runs started on 0.2 or later check it in every wait, and continue as new when it is full.
   */
  const historyFull = () => bounded && conversion.historyTooLong(workflowInfo());
  const continueFresh = (carriedDownload?: CarriedDownload) => {
    const next = { ...start.input, carried: status, ...(carriedDownload ? { carriedDownload } : {}) };
    // The next run starts with this run's search attributes, instead of upserting them again.
    if (fewer) return makeContinueAsNewFunc<typeof convertToWav>({ typedSearchAttributes: conversionSearchAttributes(status) })(next);
    return continueAsNew<typeof convertToWav>(next);
  };

  /** One record-info call. A poll that fails is only a missed poll, unless waiting cannot help (the failure table says when). */
  const poll = async (wavTaskId: string): Promise<Answer> => {
    conversion.onPollStarted();
    try {
      const answer = interpretRecord(await pollConversion({ wavTaskId }));
      conversionMetrics.polled(answer.kind);
      return answer;
    } catch (err) {
      if (isCancellation(err)) throw err;
      // The provider refuses the account (its key, its credits): every later poll would be refused too.
      if (endsWaiting(applicationFailureType(err))) failWith(FailureType.ProviderUnavailable)(err);
      log.warn('poll failed; waiting for the next interval', { error: String(err) });
      return { kind: 'pending', reason: 'poll-failed' };
    }
  };

  const submit = async (): Promise<string> => {
    setCurrentDetails('**submitting** to the provider');
    const submitting = () => submitConversion({ conversionId: info.workflowId, taskId: start.input.taskId, audioId: start.input.audioId });
    const submitted = await (bounded ? until(historyFull, submitting) : submitting()).catch(failWith(FailureType.ProviderUnavailable));
    // The provider may have the task already: the next run's submit adopts it (409).
    if (submitted === STOPPED) return continueFresh();
    conversion.onSubmitted(submitted);
    const { taskId: wavTaskId, adopted } = submitted;
    const wavTaskIdAttribute = { key: WavTaskIdAttribute, value: wavTaskId };
    if (!fewer) upsertSearchAttributes([wavTaskIdAttribute]);
    enter('waiting', `**waiting** for provider task \`${wavTaskId}\`${adopted ? ' (adopted after 409)' : ''}`, fewer ? [wavTaskIdAttribute] : []);
    conversion.considerEarlyCallbacks();
    return wavTaskId;
  };

  const waitForAnswer = async (wavTaskId: string): Promise<Decided> => {
    for (;;) {
      if (conversion.decided) return conversion.decided;
      if (conversion.shouldContinueAsNew(workflowInfo())) return continueFresh();
      const wait = conversion.nextWait();
      setCurrentDetails(conversion.waitingDetails(wavTaskId));
      // News that came while the last step ran (a buffered callback) needs no timer at all.
      const waitForNews = wait > 0 && !(fewer && conversion.hasNews);
      if (waitForNews) await condition(() => conversion.hasNews || historyFull(), wait, { summary: 'wait for callback or next poll' });
      if (conversion.decided) return conversion.decided;
      const claim = conversion.startConfirmation();
      if (claim) {
        // What a callback says is believed once record-info agrees; its URL is record-info's.
        conversion.onConfirmation(claim, await poll(wavTaskId));
        continue;
      }
      if (historyFull()) continue;
      // A callback that decides during the poll (confirmation off) ends it at once.
      const polled = bounded ? await until(() => conversion.decided !== undefined, () => poll(wavTaskId)) : await poll(wavTaskId);
      if (polled === STOPPED) continue;
      conversion.onPolled(polled);
      const undecided = !bounded || !conversion.decided;
      if (polled.kind === 'pending' && undecided && conversion.deadlinePassed()) fail(FailureType.ConversionTimedOut, conversion.timeoutMessage());
    }
  };

  /** Downloads `url`, refreshing it through record-info when it expires. */
  const download = async (wavTaskId: string, firstUrl: string): Promise<ConversionResult> => {
    let url = firstUrl;
    for (;;) {
      conversion.onDownloadStarted();
      try {
        const file = await downloadOnce(wavTaskId, url);
        // The history filled up mid-download: the attempt is stopped and the next run downloads,
        // from what the stopped attempt kept (runs started on 0.2 or later).
        if (isStopped(file)) return continueFresh({ url, ...(file.kept !== undefined ? { resume: file.kept } : {}) });
        return conversion.onDownloaded(file, wavTaskId);
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
  /**
   * One download activity (with its retries); stopped, and waited for, when the history fills up.
   * Runs started on 0.2 or later keep what a stopped download holds, and resume from what the run
   * before handed on.
   */
  const resume = start.input.carriedDownload?.resume;
  const downloadOnce = async (wavTaskId: string, url: string): Promise<DownloadResult | Stopped> => {
    const keeping = keepsPartials ? { keepPartialOnCancel: true, ...(resume !== undefined ? { resume } : {}) } : {};
    const downloading = () => downloadWav({ conversionId: info.workflowId, url, wavTaskId, ...keeping });
    if (!bounded) return downloading();
    const user = CancellationScope.current();
    return until(historyFull, downloading, { waitForStep: true }).then(
      (file): DownloadResult | Stopped => (file === STOPPED ? { stopped: true } : file),
      (err: unknown): Stopped => {
        if (isCancellation(err) && !user.consideredCancelled) return { stopped: true, ...(keepsPartials ? { kept: cancellationDetail(err) } : {}) };
        throw err;
      },
    );
  };
  /** Once the conversion is cancelled while downloading, what its download kept for a next run goes. */
  const discardPartial = async () => {
    if (!keepsPartials || status.phase !== 'downloading') return;
    await CancellationScope.nonCancellable(() => discardPartialWav({ conversionId: info.workflowId })).catch((err: unknown) => {
      log.warn('the cancelled download\'s partial file could not be removed', { error: String(err) });
    });
  };

  try {
    if (start.invalid !== undefined) fail(FailureType.InvalidConversionInput, start.invalid);
    if (start.input.carried && !(fewer && searchAttributesSay(workflowInfo().typedSearchAttributes, status))) {
      // A new run: the search attributes say where the conversion is, for the UI and the list filter.
      upsertSearchAttributes([
        ...(status.wavTaskId ? [{ key: WavTaskIdAttribute, value: status.wavTaskId }] : []),
        { key: PhaseAttribute, value: status.phase },
      ]);
    }
    const wavTaskId = status.wavTaskId ?? (await submit());
    let url = start.input.carriedDownload?.url;
    if (url === undefined) {
      const decided = await waitForAnswer(wavTaskId);
      if (decided.kind === 'failure') return fail(decided.type, decided.message);
      enter('downloading', `**downloading** the WAV for provider task \`${wavTaskId}\``);
      url = decided.url;
    }
    const result = await download(wavTaskId, url);
    conversion.onCompleted(result);
    enter('completed', `**completed** ${result.bytes} bytes, sha256 \`${result.sha256}\``);
    conversionMetrics.ended('completed');
    return result;
  } catch (err) {
    if (isCancellation(err)) {
      await discardPartial();
      enter('cancelled', '**cancelled**');
      conversionMetrics.ended('cancelled');
    }
    throw err;
  }
}

/** The conversion's own search attributes, as they stand: what a continued run starts with. */
function conversionSearchAttributes(status: ConversionStatus): SearchAttributePair[] {
  return [
    { key: AudioIdAttribute, value: status.audioId ?? '' },
    { key: PhaseAttribute, value: status.phase },
    ...(status.wavTaskId ? [{ key: WavTaskIdAttribute, value: status.wavTaskId }] : []),
  ];
}

/** Whether a run's search attributes already say what `status` says (its phase and task id). */
function searchAttributesSay(attributes: TypedSearchAttributes, status: ConversionStatus): boolean {
  return attributes.get(PhaseAttribute) === status.phase && attributes.get(WavTaskIdAttribute) === status.wavTaskId;
}

/** What `until` returns for a step it stopped. */
const STOPPED: unique symbol = Symbol('stopped');

/** A download stopped for the next run, with what it kept (the first detail of its cancellation). */
interface Stopped {
  stopped: true;
  kept?: unknown;
}

const isStopped = (file: DownloadResult | Stopped): file is Stopped => 'stopped' in file;

/** The first detail of the CancelledFailure an activity ended with, if any. */
function cancellationDetail(err: unknown): unknown {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof CancelledFailure ? cause.details[0] : undefined;
}

/**
 * Runs `step` until it ends or `stop` becomes true, whichever is first; then returns its result,
 * or STOPPED. With `waitForStep`, a stopped step is cancelled and waited for (its
 * cancellation is what the caller sees); otherwise it is cancelled and left behind.
 */
async function until<T>(stop: () => boolean, step: () => Promise<T>, { waitForStep = false } = {}): Promise<T | typeof STOPPED> {
  return CancellationScope.cancellable(async () => {
    const running = step();
    // Cancelled (by the user, or below), the stop never wins: the step's own end is what counts.
    const stopped = condition(stop).then(
      (): typeof STOPPED => STOPPED,
      () => new Promise<never>(() => undefined),
    );
    try {
      const first = await Promise.race([running, stopped]);
      if (first !== STOPPED || !waitForStep) return first;
      CancellationScope.current().cancel();
      return await running;
    } finally {
      // Nothing is left waiting: the stop condition, or the step when it was stopped.
      CancellationScope.current().cancel();
    }
  });
}

/**
 * The activities with their timeouts and retries. The provider's go through a queue whose worker
 * enforces the provider's rate limit. Whether a failure is retried is the failure table's
 * (src/failures/failures.ts): rate limits and outages are, with the delay the activity sets; refusals are not.
 */
function activitiesFor(input: ConversionInput, taskQueue: string, bounded: boolean) {
  const providerCall = {
    taskQueue: providerTaskQueue(taskQueue),
    // Also how long a worker that died during the call holds the conversion up.
    startToCloseTimeout: input.providerCallTimeoutMs ?? DEFAULT_PROVIDER_CALL_TIMEOUT_MS,
    scheduleToCloseTimeout: '30 minutes',
    retry: { initialInterval: PROVIDER_BACKOFF.initialMs, backoffCoefficient: 2, maximumInterval: PROVIDER_BACKOFF.maximumMs },
  } as const;
  const { submitConversion } = proxyActivities<Activities>({ ...providerCall, summary: 'submit the conversion to the provider' });
  // Runs started on 0.2 or later bound each poll by the poll interval: a failing one is a missed
  // poll and the wait loop asks again, instead of retrying for 30 minutes while callbacks and the
  // deadline wait.
  const pollInterval = input.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const pollBound = bounded ? { startToCloseTimeout: Math.min(providerCall.startToCloseTimeout, pollInterval), scheduleToCloseTimeout: pollInterval } : {};
  const { pollConversion } = proxyActivities<Activities>({ ...providerCall, ...pollBound, summary: 'ask record-info for the outcome' });
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
  // Runs where a partial file outlives its download (kept for a next run): removed once the
  // conversion is cancelled. It only deletes, so it is retried for a while; a store that stays
  // unreachable leaves the partial file to the bucket's lifecycle rule.
  const { discardPartialWav } = proxyActivities<Activities>({
    summary: 'remove the cancelled download\'s partial file',
    startToCloseTimeout: '1 minute',
    scheduleToCloseTimeout: '10 minutes',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });
  return { submitConversion, pollConversion, downloadWav, discardPartialWav };
}
