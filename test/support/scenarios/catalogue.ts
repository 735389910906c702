import { FailureType } from '../../../src/failures';
import { malformedCallbackSignal, providerCallbackSignal, type ConversionInput } from '../../../src/workflows';
import type { ScenarioRun } from './harness';
import { callback, downloaded, FRESH_WAV_URL, OTHER_TASK_ID, record, submitted, WAV_URL } from './replies';

/**
 * Every path through convertToWav that the frozen histories cover: one scenario each. A scenario
 * plays the provider and the activities in a fixed order, so two recordings of it issue the same
 * commands unless the workflow code behaves differently. Keep names stable: they are file names
 * under test/fixtures/histories/<release>/ and the guard matches scenarios by name.
 */
export interface Scenario {
  name: string;
  input?: ConversionInput;
  play(run: ScenarioRun): Promise<void>;
  /** How the conversion must end, or the recording is refused. */
  ends: 'completed' | 'cancelled' | { failureType: string };
}

/** No poll timer fires unless a scenario asks for one. */
const WAITS_FOR_CALLBACKS = { pollIntervalMs: 600_000 };
/** The shortest poll interval a conversion accepts (0.1.0 accepted any; its histories were recorded at 200 ms). */
const POLLS_SOON = { pollIntervalMs: 5_000 };

const submit = async (run: ScenarioRun) => await (await run.call('submitConversion')).resolve(submitted());
const poll = async (run: ScenarioRun, state: string, url?: string) => await (await run.call('pollConversion')).resolve(record(state, url));
const download = async (run: ScenarioRun) => await (await run.call('downloadWav')).resolve(downloaded(run.workflowId));
const successCallback = (run: ScenarioRun, url = WAV_URL) => run.signal(providerCallbackSignal, callback(200, url));
/**
 * Answers record-info if the workflow asks before it ends: since 0.2 (patch 'bounded-waits') a
 * failure callback is confirmed by one record-info call; 0.1.0 failed at once.
 */
const pollIfAsked = async (run: ScenarioRun, state: string) => {
  const asked = await run.call('pollConversion').catch(() => undefined);
  await asked?.resolve(record(state));
};
/** Code that keeps a download's partial file for a next run removes it once the conversion is cancelled. */
const discardIfAsked = async (run: ScenarioRun) => {
  const asked = await run.call('discardPartialWav').catch(() => undefined);
  await asked?.resolve(undefined);
};
/** A success callback, its confirmation by record-info, the download. */
const confirmedCallback = async (run: ScenarioRun) => {
  await successCallback(run);
  await poll(run, 'SUCCESS', WAV_URL);
  await download(run);
};

const plain: Scenario[] = [
  {
    name: 'answered-by-callback',
    input: WAITS_FOR_CALLBACKS,
    ends: 'completed',
    play: async (run) => {
      await submit(run);
      await confirmedCallback(run);
    },
  },
  {
    name: 'answered-by-unconfirmed-callback',
    input: { ...WAITS_FOR_CALLBACKS, confirmCallbacks: false },
    ends: 'completed',
    play: async (run) => {
      await submit(run);
      await successCallback(run);
      await download(run);
    },
  },
  {
    name: 'answered-by-poll',
    input: POLLS_SOON,
    ends: 'completed',
    play: async (run) => {
      await submit(run);
      await poll(run, 'PENDING');
      await poll(run, 'SUCCESS', WAV_URL);
      await download(run);
    },
  },
  {
    name: 'poll-failed-then-answered',
    input: POLLS_SOON,
    ends: 'completed',
    play: async (run) => {
      await submit(run);
      await (await run.call('pollConversion')).fail(FailureType.ProviderUnavailable);
      await poll(run, 'SUCCESS', WAV_URL);
      await download(run);
    },
  },
  {
    name: 'download-retried',
    input: WAITS_FOR_CALLBACKS,
    ends: 'completed',
    play: async (run) => {
      await submit(run);
      await successCallback(run);
      await poll(run, 'SUCCESS', WAV_URL);
      await (await run.call('downloadWav')).fail(FailureType.TruncatedDownload, { retryable: true });
      await (await run.call('downloadWav')).resolve(downloaded(run.workflowId, 2));
    },
  },
  {
    name: 'expired-url-refreshed',
    input: WAITS_FOR_CALLBACKS,
    ends: 'completed',
    play: async (run) => {
      await submit(run);
      await successCallback(run);
      await poll(run, 'SUCCESS', WAV_URL);
      await (await run.call('downloadWav')).fail(FailureType.WavUrlExpired);
      await poll(run, 'SUCCESS', FRESH_WAV_URL);
      await download(run);
    },
  },
];

const races: Scenario[] = [
  {
    name: 'callback-during-submit',
    input: WAITS_FOR_CALLBACKS,
    ends: 'completed',
    play: async (run) => {
      const submitting = await run.call('submitConversion');
      await successCallback(run);
      await submitting.resolve(submitted());
      await poll(run, 'SUCCESS', WAV_URL);
      await download(run);
    },
  },
  {
    // The path commit 074a26f changed: the second callback used to start another confirmation.
    // Since then it is a duplicate, and a third callback starts the next confirmation.
    name: 'second-callback-during-confirmation',
    input: WAITS_FOR_CALLBACKS,
    ends: 'completed',
    play: async (run) => {
      await submit(run);
      await successCallback(run);
      const confirming = await run.call('pollConversion');
      await successCallback(run);
      await confirming.resolve(record('PENDING'));
      await successCallback(run);
      await poll(run, 'SUCCESS', WAV_URL);
      await download(run);
    },
  },
  {
    name: 'callback-during-poll',
    input: POLLS_SOON,
    ends: 'completed',
    play: async (run) => {
      await submit(run);
      const polling = await run.call('pollConversion');
      await successCallback(run);
      await polling.resolve(record('PENDING'));
      await poll(run, 'SUCCESS', WAV_URL);
      await download(run);
    },
  },
  {
    name: 'duplicate-callbacks-during-download',
    input: WAITS_FOR_CALLBACKS,
    ends: 'completed',
    play: async (run) => {
      await submit(run);
      await successCallback(run);
      await poll(run, 'SUCCESS', WAV_URL);
      const downloading = await run.call('downloadWav');
      await successCallback(run);
      await successCallback(run);
      await downloading.resolve(downloaded(run.workflowId));
    },
  },
  {
    name: 'callback-for-another-task',
    input: WAITS_FOR_CALLBACKS,
    ends: 'completed',
    play: async (run) => {
      await submit(run);
      await run.signal(providerCallbackSignal, callback(200, 'https://files.example.test/other.wav', OTHER_TASK_ID));
      await confirmedCallback(run);
    },
  },
  {
    name: 'callback-without-url',
    input: WAITS_FOR_CALLBACKS,
    ends: 'completed',
    play: async (run) => {
      await submit(run);
      await run.signal(providerCallbackSignal, callback(200));
      await confirmedCallback(run);
    },
  },
  {
    name: 'malformed-callback',
    input: WAITS_FOR_CALLBACKS,
    ends: 'completed',
    play: async (run) => {
      await submit(run);
      await run.signal(malformedCallbackSignal, { body: '{"code":"two hundred"}', error: 'code: expected number' });
      await confirmedCallback(run);
    },
  },
  {
    name: 'cancelled-while-waiting',
    input: WAITS_FOR_CALLBACKS,
    ends: 'cancelled',
    play: async (run) => {
      await submit(run);
      await run.cancel();
    },
  },
  {
    name: 'cancelled-during-download',
    input: WAITS_FOR_CALLBACKS,
    ends: 'cancelled',
    play: async (run) => {
      await submit(run);
      await successCallback(run);
      await poll(run, 'SUCCESS', WAV_URL);
      const downloading = await run.call('downloadWav');
      await run.cancel();
      await downloading.cancelled;
      await discardIfAsked(run);
    },
  },
  {
    // A small event limit makes the wait continue as new after a few polls; the next run's poll answers.
    name: 'continued-as-new-mid-wait',
    input: { ...POLLS_SOON, historyEventLimit: 30 },
    ends: 'completed',
    play: async (run) => {
      await submit(run);
      for (;;) {
        const polling = await run.call('pollConversion');
        if (polling.runId === run.firstRunId) {
          await polling.resolve(record('PENDING'));
          continue;
        }
        // The next run's first poll: a callback could race its timer, a poll answer cannot.
        await polling.resolve(record('SUCCESS', WAV_URL));
        break;
      }
      await download(run);
    },
  },
];

const CALLBACK_FAILURES: Array<[number, string]> = [
  [400, FailureType.SourceRejected],
  [451, FailureType.SourceDownloadFailed],
  [401, FailureType.ProviderUnauthorized],
  [402, FailureType.InsufficientCredits],
  [500, FailureType.ProviderConversionError],
];
const RECORD_FAILURES: Array<[string, string]> = [
  ['CALLBACK_EXCEPTION', FailureType.CallbackException],
  ['CREATE_TASK_FAILED', FailureType.CreateTaskFailed],
  ['GENERATE_WAV_FAILED', FailureType.GenerateWavFailed],
];
/** Submit refusals; the retried ones (rate limit, outage) stand for retries exhausted. */
const SUBMIT_FAILURES = [
  FailureType.InvalidRequest,
  FailureType.ProviderUnauthorized,
  FailureType.InsufficientCredits,
  FailureType.ProviderNotFound,
  FailureType.ProviderFeatureDisabled,
  FailureType.ProviderRateLimited,
  FailureType.ProviderUnavailable,
];
/** Poll refusals after which waiting cannot help. */
const POLL_FAILURES = [FailureType.ProviderUnauthorized, FailureType.InsufficientCredits];
const DOWNLOAD_FAILURES = [
  FailureType.NotAWavFile,
  FailureType.TruncatedDownload,
  FailureType.DownloadFailed,
  FailureType.ForbiddenDownloadAddress,
  FailureType.DownloadTooLarge,
  FailureType.InsufficientStorage,
];

const failures: Scenario[] = [
  ...CALLBACK_FAILURES.map(([code, failureType]): Scenario => ({
    name: `failed-callback-${failureType}`,
    input: WAITS_FOR_CALLBACKS,
    ends: { failureType },
    play: async (run) => {
      await submit(run);
      await run.signal(providerCallbackSignal, callback(code));
      await pollIfAsked(run, 'GENERATE_WAV_FAILED');
    },
  })),
  ...RECORD_FAILURES.map(([state, failureType]): Scenario => ({
    name: `failed-poll-${failureType}`,
    input: POLLS_SOON,
    ends: { failureType },
    play: async (run) => {
      await submit(run);
      await poll(run, state);
    },
  })),
  {
    // The deadline passes while waiting; one last poll, then the conversion fails.
    name: `failed-${FailureType.ConversionTimedOut}`,
    input: { pollIntervalMs: 600_000, deadlineMs: 5_000 },
    ends: { failureType: FailureType.ConversionTimedOut },
    play: async (run) => {
      await submit(run);
      await poll(run, 'PENDING');
    },
  },
  ...SUBMIT_FAILURES.map((failureType): Scenario => ({
    name: `failed-submit-${failureType}`,
    ends: { failureType },
    play: async (run) => (await run.call('submitConversion')).fail(failureType),
  })),
  ...POLL_FAILURES.map((failureType): Scenario => ({
    name: `failed-poll-refused-${failureType}`,
    input: POLLS_SOON,
    ends: { failureType },
    play: async (run) => {
      await submit(run);
      await (await run.call('pollConversion')).fail(failureType);
    },
  })),
  ...DOWNLOAD_FAILURES.map((failureType): Scenario => ({
    name: `failed-download-${failureType}`,
    input: WAITS_FOR_CALLBACKS,
    ends: { failureType },
    play: async (run) => {
      await submit(run);
      await successCallback(run);
      await poll(run, 'SUCCESS', WAV_URL);
      await (await run.call('downloadWav')).fail(failureType);
    },
  })),
  {
    name: `failed-download-${FailureType.WavUrlExpired}-refreshes-exhausted`,
    input: WAITS_FOR_CALLBACKS,
    ends: { failureType: FailureType.WavUrlExpired },
    play: async (run) => {
      await submit(run);
      await successCallback(run);
      await poll(run, 'SUCCESS', WAV_URL);
      for (let refresh = 0; refresh < 3; refresh++) {
        await (await run.call('downloadWav')).fail(FailureType.WavUrlExpired);
        await poll(run, 'SUCCESS', FRESH_WAV_URL);
      }
      await (await run.call('downloadWav')).fail(FailureType.WavUrlExpired);
    },
  },
  {
    name: `failed-download-${FailureType.WavUrlExpired}-no-fresh-url`,
    input: WAITS_FOR_CALLBACKS,
    ends: { failureType: FailureType.WavUrlExpired },
    play: async (run) => {
      await submit(run);
      await successCallback(run);
      await poll(run, 'SUCCESS', WAV_URL);
      await (await run.call('downloadWav')).fail(FailureType.WavUrlExpired);
      await poll(run, 'PENDING');
    },
  },
];

export const scenarios: readonly Scenario[] = [...plain, ...races, ...failures];
