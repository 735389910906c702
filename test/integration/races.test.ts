import { FailureType } from '../../src/failures';
import { providerCallbackSignal, statusQuery, type ConversionInput, type ConversionStatus } from '../../src/workflows';
import { ScenarioHarness, replies, type ScenarioRun } from '../support/scenarios';
import { waitFor } from '../support/wait-for';

/**
 * Races forced, not hoped for: convertToWav on a real worker and server, its activities doubles
 * the test answers, so a callback lands exactly during submit, a confirmation, a poll or a
 * download. Each test asserts what a user would see: the result, who answered, the counts, the
 * failure type.
 */
jest.setTimeout(120_000);

const { callback, downloaded, record, submitted, TASK_ID, WAV_URL, FRESH_WAV_URL } = replies;
/** No poll timer fires unless a test waits for one (the shortest interval a conversion accepts is 5 s). */
const WAITS_FOR_CALLBACKS: ConversionInput = { pollIntervalMs: 600_000 };
const POLLS: ConversionInput = { pollIntervalMs: 5_000 };

let harness: ScenarioHarness;
beforeAll(async () => {
  harness = await ScenarioHarness.start({
    address: process.env.WAVFLOW_TEST_TEMPORAL_ADDRESS as string,
    workflowBundlePath: process.env.WAVFLOW_TEST_WORKFLOW_BUNDLE as string,
  });
});
afterAll(async () => {
  await harness?.stop();
});

const statusOf = (run: ScenarioRun): Promise<ConversionStatus> => run.handle.query(statusQuery);
const submit = async (run: ScenarioRun) => (await run.call('submitConversion')).resolve(submitted());
const success = (run: ScenarioRun, url = WAV_URL) => run.signal(providerCallbackSignal, callback(200, url));
/** Another task's callback: it only makes the history longer. */
const stray = (run: ScenarioRun, n: number) => run.handle.signal(providerCallbackSignal, callback(200, WAV_URL, `stray-${n}`));

/** Sends strays straight into Temporal until the conversion runs a new run. */
async function strayUntilContinued(run: ScenarioRun): Promise<number> {
  let sent = 0;
  await waitFor(
    'a new run',
    async () => {
      if ((await run.handle.describe()).runId !== run.firstRunId) return true;
      await stray(run, sent++);
      return false;
    },
    30_000,
    0,
  );
  return sent;
}

describe('callbacks racing the other steps', () => {
  test('a callback during submit is buffered, matched to the task id, and answers', async () => {
    const run = await harness.start(WAITS_FOR_CALLBACKS, 'race-submit');
    const submitting = await run.call('submitConversion');
    await success(run);
    await submitting.resolve(submitted());
    const confirming = await run.call('pollConversion');
    await confirming.resolve(record('SUCCESS', FRESH_WAV_URL));
    const downloading = await run.call('downloadWav');
    expect(downloading.input).toMatchObject({ url: FRESH_WAV_URL, wavTaskId: TASK_ID });
    await downloading.resolve(downloaded(run.workflowId));

    expect(await run.outcome()).toMatchObject({ status: 'completed', result: { wavTaskId: TASK_ID, answeredBy: 'callback' } });
    expect(await statusOf(run)).toMatchObject({ callbacks: { received: 1, duplicates: 0 }, polls: 1 });
  });

  test('a second callback during the confirmation is a duplicate; record-info still decides', async () => {
    const run = await harness.start(WAITS_FOR_CALLBACKS, 'race-confirm');
    await submit(run);
    await success(run);
    const confirming = await run.call('pollConversion');
    await success(run);
    await confirming.resolve(record('PENDING'));
    // Not yet done at the provider: the next callback is confirmed again.
    await success(run);
    await (await run.call('pollConversion')).resolve(record('SUCCESS', WAV_URL));
    await (await run.call('downloadWav')).resolve(downloaded(run.workflowId));

    expect(await run.outcome()).toMatchObject({ status: 'completed', result: { answeredBy: 'callback' } });
    expect(await statusOf(run)).toMatchObject({ callbacks: { received: 3, duplicates: 1 }, polls: 2 });
  });

  test('a success callback during a poll is confirmed after that poll', async () => {
    const run = await harness.start(POLLS, 'race-poll');
    await submit(run);
    const polling = await run.call('pollConversion');
    await success(run);
    await polling.resolve(record('PENDING'));
    await (await run.call('pollConversion')).resolve(record('SUCCESS', WAV_URL));
    await (await run.call('downloadWav')).resolve(downloaded(run.workflowId));

    expect(await run.outcome()).toMatchObject({ status: 'completed', result: { answeredBy: 'callback' } });
    expect(await statusOf(run)).toMatchObject({ callbacks: { received: 1 }, polls: 2 });
  });

  test('with confirmation off, a callback during a poll is acted on at once: the poll is left behind', async () => {
    const run = await harness.start({ ...POLLS, confirmCallbacks: false }, 'race-poll-trusted');
    await submit(run);
    await run.call('pollConversion');
    await success(run);
    // The download starts while record-info has not answered (the poll is left unanswered).
    const downloading = await run.call('downloadWav');
    expect(downloading.input).toMatchObject({ url: WAV_URL });
    await downloading.resolve(downloaded(run.workflowId));

    expect(await run.outcome()).toMatchObject({ status: 'completed', result: { answeredBy: 'callback' } });
    expect(await statusOf(run)).toMatchObject({ polls: 1 });
  });

  test('a failure callback waits for record-info; when it disagrees, the conversion goes on', async () => {
    const run = await harness.start(WAITS_FOR_CALLBACKS, 'race-failure');
    await submit(run);
    await run.signal(providerCallbackSignal, callback(451));
    await (await run.call('pollConversion')).resolve(record('PENDING'));
    // Still running: the real answer comes later.
    expect(await run.isClosed()).toBe(false);
    await success(run);
    await (await run.call('pollConversion')).resolve(record('SUCCESS', WAV_URL));
    await (await run.call('downloadWav')).resolve(downloaded(run.workflowId));

    expect(await run.outcome()).toMatchObject({ status: 'completed' });
    const status = await statusOf(run);
    expect(status).toMatchObject({ callbacks: { received: 2 }, polls: 2, answeredBy: 'callback' });
    expect(status.failure).toBeUndefined();
  });

  test('a failure callback that record-info agrees with fails the conversion with its type', async () => {
    const run = await harness.start(WAITS_FOR_CALLBACKS, 'race-failure-agreed');
    await submit(run);
    await run.signal(providerCallbackSignal, callback(451));
    await (await run.call('pollConversion')).resolve(record('GENERATE_WAV_FAILED'));

    expect(await run.outcome()).toMatchObject({ status: 'failed', failureType: FailureType.SourceDownloadFailed });
    expect(await statusOf(run)).toMatchObject({ answeredBy: 'callback', polls: 1, phase: 'failed' });
  });
});

describe('cancel', () => {
  test('during the download: the download sees the cancellation, then its partial file is removed, then the conversion says cancelled', async () => {
    const run = await harness.start(WAITS_FOR_CALLBACKS, 'race-cancel');
    await submit(run);
    await success(run);
    await (await run.call('pollConversion')).resolve(record('SUCCESS', WAV_URL));
    const downloading = await run.call('downloadWav');
    // The download keeps its partial file on any cancellation (a continue-as-new needs it)...
    expect(downloading.input).toMatchObject({ keepPartialOnCancel: true });
    await run.cancel();
    await downloading.cancelled;
    // ...so the conversion removes it once it knows the cancellation is the user's.
    const discarding = await run.call('discardPartialWav');
    expect(discarding.input).toEqual({ conversionId: run.workflowId });
    await discarding.resolve(undefined);

    expect(await run.outcome()).toEqual({ status: 'cancelled' });
    const events = (await run.histories())[0]?.events ?? [];
    const at = (has: (e: (typeof events)[number]) => unknown) => events.findIndex(has);
    const discardScheduled = at((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'discardPartialWav');
    expect(at((e) => e.activityTaskCanceledEventAttributes)).toBeGreaterThan(0);
    expect(at((e) => e.activityTaskCanceledEventAttributes)).toBeLessThan(discardScheduled);
    expect(discardScheduled).toBeLessThan(at((e) => e.workflowExecutionCanceledEventAttributes));
    const status = await statusOf(run);
    expect(status.phases.map((p) => p.phase)).toEqual(['submitting', 'waiting', 'downloading', 'cancelled']);
    expect(status.result).toBeUndefined();
  });

  test('while waiting: nothing was downloaded, so nothing is removed', async () => {
    const run = await harness.start(WAITS_FOR_CALLBACKS, 'race-cancel-waiting');
    await submit(run);
    await run.cancel();

    expect(await run.outcome()).toEqual({ status: 'cancelled' });
    const events = (await run.histories())[0]?.events ?? [];
    expect(events.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'discardPartialWav')).toBe(false);
  });
});

describe('polls bounded by the poll interval', () => {
  test('a poll that never answers is a missed poll, and the deadline is kept', async () => {
    // Polls at 5 s and, cut short by the deadline, at 12 s: each bounded by the 5 s interval.
    const run = await harness.start({ pollIntervalMs: 5_000, deadlineMs: 12_000 }, 'race-hung-poll');
    await submit(run);
    // record-info hangs: the workflow gives up on it after one interval and asks again.
    const hung = await run.call('pollConversion');
    const next = await run.call('pollConversion', 20_000);
    expect(next.runId).toBe(hung.runId);
    expect(next.activityId).not.toBe(hung.activityId);

    expect(await run.outcome()).toMatchObject({ status: 'failed', failureType: FailureType.ConversionTimedOut });
    expect(await statusOf(run)).toMatchObject({ polls: 2, phase: 'failed' });
  });
});

describe('continue-as-new when stray signals fill the history', () => {
  // Room for a whole run after the one the strays filled; strays fill the first one quickly.
  const SMALL_HISTORY: ConversionInput = { ...WAITS_FOR_CALLBACKS, historyEventLimit: 60 };

  test('mid-wait: the next run carries every count and still answers', async () => {
    const run = await harness.start(SMALL_HISTORY, 'race-can-wait');
    await submit(run);
    const strays = await strayUntilContinued(run);
    // The new run waits for the same task: no second submit.
    await run.handle.signal(providerCallbackSignal, callback(200, WAV_URL));
    const confirming = await run.call('pollConversion');
    expect(confirming.runId).not.toBe(run.firstRunId);
    await confirming.resolve(record('SUCCESS', WAV_URL));
    await (await run.call('downloadWav')).resolve(downloaded(run.workflowId));

    expect(await run.outcome()).toMatchObject({ status: 'completed', result: { answeredBy: 'callback' } });
    const status = await statusOf(run);
    expect(status).toMatchObject({ runs: 2, callbacks: { received: strays + 1, mismatched: strays } });
    expect(status.phases.map((p) => p.phase)).toEqual(['submitting', 'waiting', 'downloading', 'completed']);
  });

  test('mid-submit: the next run submits again (the provider adopts its task) and answers', async () => {
    const run = await harness.start(SMALL_HISTORY, 'race-can-submit');
    // The first submit is never answered: its run continues as new without it.
    await run.call('submitConversion');
    await strayUntilContinued(run);
    const again = await run.call('submitConversion');
    expect(again.runId).not.toBe(run.firstRunId);
    await again.resolve(submitted(TASK_ID, true));
    await run.handle.signal(providerCallbackSignal, callback(200, WAV_URL));
    await (await run.call('pollConversion')).resolve(record('SUCCESS', WAV_URL));
    await (await run.call('downloadWav')).resolve(downloaded(run.workflowId));

    expect(await run.outcome()).toMatchObject({ status: 'completed', result: { wavTaskId: TASK_ID } });
    expect(await statusOf(run)).toMatchObject({ runs: 2, adopted: true, wavTaskId: TASK_ID });
  });

  test('mid-download: the attempt is stopped and the next run resumes the same URL from what it kept', async () => {
    const run = await harness.start(SMALL_HISTORY, 'race-can-download');
    await submit(run);
    await success(run);
    await (await run.call('pollConversion')).resolve(record('SUCCESS', WAV_URL));
    const downloading = await run.call('downloadWav');
    expect(downloading.input).toMatchObject({ keepPartialOnCancel: true });
    // What a stopped download ends with: the checkpoint of what its store keeps.
    const checkpoint = { bytes: 4096, kept: 4096, total: 8192, etag: '"abc"' };
    downloading.cancellationDetails = [checkpoint];
    await strayUntilContinued(run);
    // The first run waited for its attempt to stop before it handed the download on.
    await downloading.cancelled;
    const resumed = await run.call('downloadWav');
    expect(resumed.runId).not.toBe(run.firstRunId);
    expect(resumed.input).toEqual({ conversionId: run.workflowId, url: WAV_URL, wavTaskId: TASK_ID, keepPartialOnCancel: true, resume: checkpoint });
    await resumed.resolve(downloaded(run.workflowId));

    expect(await run.outcome()).toMatchObject({ status: 'completed', result: { answeredBy: 'callback', wavTaskId: TASK_ID } });
    const status = await statusOf(run);
    expect(status).toMatchObject({ runs: 2, downloadAttempts: 2, polls: 1 });
    expect(status.phases.map((p) => p.phase)).toEqual(['submitting', 'waiting', 'downloading', 'completed']);
    // Nothing was cancelled by the user: the kept partial file is the next run's, not discarded.
    const histories = await run.histories();
    expect(histories.flatMap((h) => h.events ?? []).some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'discardPartialWav')).toBe(false);
  });
});
