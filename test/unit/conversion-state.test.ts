import { FailureType } from '../../src/failures';
import type { ProviderCallback } from '../../src/provider/types';
import {
  continuedStatus,
  ConversionState,
  initialStatus,
  MAX_KEPT_CALLBACKS,
  MAX_KEPT_MALFORMED,
  waitSettings,
  type ConversionObserver,
  type WaitSettings,
} from '../../src/workflows/conversion-state';
import type { DownloadResult } from '../../src/activities';

const START = Date.parse('2026-11-30T10:00:00.000Z');
const TASK = 'wav-task-1';
const URL_A = 'https://files.example.com/a.wav';

/** A conversion at a clock the test moves, with what it told its observer. */
function conversion(settings: Partial<WaitSettings> = {}, deadlineMs = 60_000) {
  const clock = { now: START };
  const told: string[] = [];
  const observer: ConversionObserver = {
    ignored: (reason, callback) => told.push(`ignored ${reason} ${callback.code}`),
    decided: (answer, source) => told.push(`decided ${answer.kind} by ${source}`),
  };
  const status = initialStatus({ audioId: 'a1', deadlineMs }, 'wav-a1', new Date(START));
  const state = new ConversionState(status, { ...waitSettings({}), ...settings }, observer, () => clock.now);
  return { state, status, clock, told };
}

const callback = (code: number, extra: Partial<ProviderCallback> = {}): ProviderCallback => ({ taskId: TASK, code, msg: `msg ${code}`, ...extra });
const submitted = { taskId: TASK, adopted: false };

describe('status', () => {
  test('a first run starts submitting, with the deadline counted from the start', () => {
    const status = initialStatus({ taskId: 't1', deadlineMs: 90_000 }, 'wav-t1', new Date(START));
    expect(status).toMatchObject({
      conversionId: 'wav-t1',
      phase: 'submitting',
      taskId: 't1',
      runs: 1,
      startedAt: '2026-11-30T10:00:00.000Z',
      deadlineAt: '2026-11-30T10:01:30.000Z',
      phases: [{ phase: 'submitting', at: '2026-11-30T10:00:00.000Z' }],
    });
    expect(status).not.toHaveProperty('audioId');
  });

  test('the default deadline is an hour', () => {
    expect(initialStatus({ audioId: 'a' }, 'w', new Date(START)).deadlineAt).toBe('2026-11-30T11:00:00.000Z');
  });

  test('a status names only the source id it was given', () => {
    const status = initialStatus({ audioId: 'a' }, 'w', new Date(START));
    expect(status.audioId).toBe('a');
    expect(status).not.toHaveProperty('taskId');
  });

  test('a continued run keeps everything and counts one run more', () => {
    const first = initialStatus({ audioId: 'a' }, 'w', new Date(START));
    first.polls = 7;
    expect(continuedStatus(first)).toEqual({ ...first, runs: 2 });
  });

  test('defaults: 30 s polls, confirmed callbacks, 5,000 events', () => {
    expect(waitSettings({})).toEqual({ pollIntervalMs: 30_000, confirmCallbacks: true, confirmFailures: false, historyEventLimit: 5_000 });
    expect(waitSettings({ pollIntervalMs: 9_000, confirmCallbacks: false, historyEventLimit: 40 })).toEqual({ pollIntervalMs: 9_000, confirmCallbacks: false, confirmFailures: false, historyEventLimit: 40 });
  });

  test("without a clock of its own it reads Date.now, which is the workflow's time inside a workflow", () => {
    const now = jest.spyOn(Date, 'now').mockReturnValue(START + 2_500);
    try {
      const state = new ConversionState(initialStatus({ audioId: 'a1' }, 'wav-a1', new Date(START)), waitSettings({}), { ignored: () => {}, decided: () => {} });
      state.enter('waiting');
      expect(state.status.phases.at(-1)?.at).toBe('2026-11-30T10:00:02.500Z');
    } finally {
      now.mockRestore();
    }
  });

  test('entering a phase records it with the time', () => {
    const { state, status, clock } = conversion();
    clock.now += 1_500;
    state.enter('waiting');
    expect(status.phase).toBe('waiting');
    expect(status.phases.at(-1)).toEqual({ phase: 'waiting', at: '2026-11-30T10:00:01.500Z' });
  });
});

describe('callbacks', () => {
  test('a callback before submit returns waits for the task id, then decides', () => {
    const { state, status, told } = conversion({ confirmCallbacks: false });
    state.onCallback(callback(200, { audioWavUrl: URL_A }));
    expect(state.decided).toBeUndefined();
    expect(status.callbacks.received).toBe(1);

    state.onSubmitted(submitted);
    expect(state.decided).toBeUndefined();
    state.considerEarlyCallbacks();
    expect(state.decided).toEqual({ kind: 'success', url: URL_A });
    expect(status).toMatchObject({ wavTaskId: TASK, answeredBy: 'callback', answeredAt: '2026-11-30T10:00:00.000Z' });
    expect(told).toEqual(['decided success by callback']);
  });

  test('an early callback for another task is counted as mismatched once the task id is known', () => {
    const { state, status } = conversion();
    state.onCallback(callback(451, { taskId: 'other' }));
    state.onSubmitted(submitted);
    state.considerEarlyCallbacks();
    expect(status.callbacks).toMatchObject({ received: 1, mismatched: 1 });
    expect(state.decided).toBeUndefined();
  });

  test('a 409 adoption is recorded', () => {
    const { state, status } = conversion();
    state.onSubmitted({ taskId: TASK, adopted: true });
    expect(status.adopted).toBe(true);
  });

  test('a new task is not called adopted', () => {
    const { state, status } = conversion();
    state.onSubmitted(submitted);
    expect(status).not.toHaveProperty('adopted');
  });

  test('a second success callback while the first awaits confirmation is a duplicate, not a second claim', () => {
    const { state, status, told } = conversion();
    state.onSubmitted(submitted);
    state.onCallback(callback(200, { audioWavUrl: URL_A }));
    state.onCallback(callback(200, { audioWavUrl: 'https://files.example.com/b.wav' }));
    expect(status.callbacks).toMatchObject({ received: 2, duplicates: 1 });
    expect(state.startConfirmation()).toEqual({ kind: 'success', url: URL_A });
    expect(told).toEqual(['ignored after-outcome 200']);
  });

  test('asking for a confirmation when there is no claim does not hold back the next callback', () => {
    const { state, status } = conversion({ confirmCallbacks: false });
    state.onSubmitted(submitted);
    expect(state.startConfirmation()).toBeUndefined();
    state.onCallback(callback(200, { audioWavUrl: URL_A }));
    expect(state.decided).toEqual({ kind: 'success', url: URL_A });
    expect(status.callbacks.duplicates).toBe(0);
  });

  test('the first answer stands: a later poll that finds something else changes nothing', () => {
    const { state, status, told, clock } = conversion({ confirmCallbacks: false });
    state.onSubmitted(submitted);
    state.onCallback(callback(200, { audioWavUrl: URL_A }));
    clock.now += 5_000;
    state.onPolled({ kind: 'failure', type: FailureType.GenerateWavFailed, message: 'failed' });
    expect(state.decided).toEqual({ kind: 'success', url: URL_A });
    expect(status).toMatchObject({ answeredBy: 'callback', answeredAt: '2026-11-30T10:00:00.000Z' });
    expect(told).toEqual(['decided success by callback']);
  });

  test('with confirmation on, a success callback is a claim for record-info to confirm', () => {
    const { state, status, told } = conversion();
    state.onSubmitted(submitted);
    state.onCallback(callback(200, { audioWavUrl: URL_A }));
    expect(state.decided).toBeUndefined();
    expect(state.hasClaim).toBe(true);
    expect(state.hasNews).toBe(true);

    const claim = state.startConfirmation();
    expect(claim).toEqual({ kind: 'success', url: URL_A });
    expect(state.hasClaim).toBe(false);
    // A copy that arrives while record-info is asked is a duplicate, not a second claim.
    state.onCallback(callback(200, { audioWavUrl: URL_A }));
    expect(status.callbacks.duplicates).toBe(1);
    expect(state.hasNews).toBe(false);

    state.onConfirmation(claim!, { kind: 'success', url: 'https://files.example.com/from-record-info.wav' });
    expect(state.decided).toEqual({ kind: 'success', url: 'https://files.example.com/from-record-info.wav' });
    expect(status.answeredBy).toBe('callback');
    expect(told).toEqual(['ignored after-outcome 200', 'decided success by callback']);
  });

  test('no claim, no confirmation', () => {
    const { state } = conversion();
    expect(state.startConfirmation()).toBeUndefined();
  });

  test('a confirmation that finds a failure is credited to the poll', () => {
    const { state, status } = conversion();
    state.onSubmitted(submitted);
    state.onCallback(callback(200, { audioWavUrl: URL_A }));
    state.onConfirmation(state.startConfirmation()!, { kind: 'failure', type: FailureType.GenerateWavFailed, message: 'failed' });
    expect(state.decided).toMatchObject({ kind: 'failure', type: 'GenerateWavFailed' });
    expect(status.answeredBy).toBe('poll');
  });

  test('a confirmation still pending leaves the wait going', () => {
    const { state } = conversion();
    state.onSubmitted(submitted);
    state.onCallback(callback(200, { audioWavUrl: URL_A }));
    state.onConfirmation(state.startConfirmation()!, { kind: 'pending' });
    expect(state.decided).toBeUndefined();
    // The next success callback is a new claim.
    state.onCallback(callback(200, { audioWavUrl: URL_A }));
    expect(state.hasClaim).toBe(true);
  });

  test('with confirmation off, a success callback decides at once', () => {
    const { state, status } = conversion({ confirmCallbacks: false });
    state.onSubmitted(submitted);
    state.onCallback(callback(200, { audioWavUrl: URL_A }));
    expect(state.decided).toEqual({ kind: 'success', url: URL_A });
    expect(status.answeredBy).toBe('callback');
  });

  test('a failure callback decides, keeping the message', () => {
    const { state, status } = conversion();
    state.onSubmitted(submitted);
    state.onCallback(callback(451));
    expect(state.decided).toEqual({ kind: 'failure', type: FailureType.SourceDownloadFailed, message: 'msg 451' });
    expect(status.answeredBy).toBe('callback');
  });

  describe('with failures confirmed (runs started on 0.2 or later)', () => {
    const confirming = () => {
      const c = conversion({ confirmFailures: true });
      c.state.onSubmitted(submitted);
      c.state.onCallback(callback(400));
      return c;
    };

    test('a failure callback is a claim, not an answer', () => {
      const { state } = confirming();
      expect(state.decided).toBeUndefined();
      expect(state.hasNews).toBe(true);
      expect(state.startConfirmation()).toEqual({ kind: 'failure', type: FailureType.SourceRejected, message: 'msg 400' });
    });

    test("when record-info agrees that the task failed, the callback's failure stands", () => {
      const { state, status } = confirming();
      state.onConfirmation(state.startConfirmation()!, { kind: 'failure', type: FailureType.GenerateWavFailed, message: 'record-info says failed' });
      expect(state.decided).toEqual({ kind: 'failure', type: FailureType.SourceRejected, message: 'msg 400' });
      expect(status.answeredBy).toBe('callback');
    });

    test('when record-info has the file, the conversion downloads it (a forged failure fails nothing)', () => {
      const { state, status } = confirming();
      state.onConfirmation(state.startConfirmation()!, { kind: 'success', url: URL_A });
      expect(state.decided).toEqual({ kind: 'success', url: URL_A });
      expect(status.answeredBy).toBe('poll');
    });

    test('when record-info says nothing yet, the wait goes on', () => {
      const { state } = confirming();
      state.onConfirmation(state.startConfirmation()!, { kind: 'pending' });
      expect(state.decided).toBeUndefined();
      expect(state.hasNews).toBe(false);
    });

    test('with confirmation off, failures are not confirmed either', () => {
      expect(waitSettings({ confirmCallbacks: false }, { confirmFailures: true }).confirmFailures).toBe(false);
      expect(waitSettings({}, { confirmFailures: true }).confirmFailures).toBe(true);
      expect(waitSettings({}).confirmFailures).toBe(false);
    });
  });

  test('a success callback without a URL is counted and ignored', () => {
    const { state, status, told } = conversion();
    state.onSubmitted(submitted);
    state.onCallback(callback(200));
    expect(state.hasNews).toBe(false);
    expect(status.callbacks.withoutUrl).toBe(1);
    expect(status.ignoredCallbacks).toEqual([{ reason: 'no-url', taskId: TASK, code: 200, msg: 'msg 200', at: '2026-11-30T10:00:00.000Z' }]);
    expect(told).toEqual(['ignored no-url 200']);
  });

  test('callbacks after the answer are duplicates and change nothing', () => {
    const { state, status } = conversion({ confirmCallbacks: false });
    state.onSubmitted(submitted);
    state.onCallback(callback(200, { audioWavUrl: URL_A }));
    state.onCallback(callback(400));
    expect(state.decided).toEqual({ kind: 'success', url: URL_A });
    expect(status.callbacks).toMatchObject({ received: 2, duplicates: 1 });
  });

  test(`only the last ${MAX_KEPT_CALLBACKS} ignored callbacks are kept, all are counted`, () => {
    const { state, status } = conversion();
    state.onSubmitted(submitted);
    for (let i = 0; i < MAX_KEPT_CALLBACKS + 3; i++) state.onCallback(callback(451, { taskId: `other-${i}` }));
    expect(status.callbacks.mismatched).toBe(MAX_KEPT_CALLBACKS + 3);
    expect(status.ignoredCallbacks).toHaveLength(MAX_KEPT_CALLBACKS);
    expect(status.ignoredCallbacks[0]?.taskId).toBe('other-3');
  });

  test(`malformed callbacks: counted, the last ${MAX_KEPT_MALFORMED} kept, bodies cut to 1 KiB`, () => {
    const { state, status } = conversion();
    for (let i = 0; i < MAX_KEPT_MALFORMED + 2; i++) state.onMalformed({ body: `${i}`.padEnd(5_000, 'x'), error: `error ${i}` });
    expect(status.callbacks.malformed).toBe(MAX_KEPT_MALFORMED + 2);
    expect(status.malformedCallbacks).toHaveLength(MAX_KEPT_MALFORMED);
    expect(status.malformedCallbacks[0]).toMatchObject({ error: 'error 2', at: '2026-11-30T10:00:00.000Z' });
    expect(status.malformedCallbacks[0]?.body).toHaveLength(1024);
  });
});

describe('waiting', () => {
  test('waits one poll interval, and never past the deadline', () => {
    const { state, status, clock } = conversion({ pollIntervalMs: 30_000 }, 50_000);
    expect(state.nextWait()).toBe(30_000);
    expect(status.nextPollAt).toBe('2026-11-30T10:00:30.000Z');
    clock.now += 30_000;
    expect(state.nextWait()).toBe(20_000);
    clock.now += 25_000;
    expect(state.nextWait()).toBe(0);
    expect(status.nextPollAt).toBe('2026-11-30T10:00:55.000Z');
  });

  test('the details say what it waits for', () => {
    const { state } = conversion({ pollIntervalMs: 30_000 });
    state.onSubmitted(submitted);
    state.onPollStarted();
    state.onCallback(callback(200));
    state.nextWait();
    expect(state.waitingDetails(TASK)).toBe(`**waiting** for provider task \`${TASK}\`: 1 callbacks, 1 polls; next poll at 10:00:30 UTC`);
  });

  test('a poll that decides is credited to the poll; a pending one is not', () => {
    const { state, status } = conversion();
    state.onPollStarted();
    state.onPolled({ kind: 'pending' });
    expect(state.decided).toBeUndefined();
    state.onPollStarted();
    state.onPolled({ kind: 'success', url: URL_A });
    expect(state.decided).toEqual({ kind: 'success', url: URL_A });
    expect(status).toMatchObject({ polls: 2, answeredBy: 'poll' });
  });

  test('the deadline passes at the deadline', () => {
    const { state, status, clock } = conversion({}, 10_000);
    expect(state.deadlinePassed()).toBe(false);
    clock.now += 9_999;
    expect(state.deadlinePassed()).toBe(false);
    clock.now += 1;
    expect(state.deadlinePassed()).toBe(true);
    state.onPollStarted();
    expect(state.timeoutMessage()).toBe(`no terminal answer by ${status.deadlineAt} (1 polls, 0 callbacks)`);
  });

  test('the history is full at the event limit, or when Temporal suggests a new run', () => {
    const { state } = conversion({ historyEventLimit: 100 });
    expect(state.historyTooLong({ historyLength: 99, continueAsNewSuggested: false })).toBe(false);
    expect(state.historyTooLong({ historyLength: 100, continueAsNewSuggested: false })).toBe(true);
    expect(state.historyTooLong({ historyLength: 3, continueAsNewSuggested: true })).toBe(true);
  });

  test('continues as new at the event limit or when Temporal suggests it, never during a claim', () => {
    const { state } = conversion({ historyEventLimit: 100 });
    expect(state.shouldContinueAsNew({ historyLength: 99, continueAsNewSuggested: false })).toBe(false);
    expect(state.shouldContinueAsNew({ historyLength: 100, continueAsNewSuggested: false })).toBe(true);
    expect(state.shouldContinueAsNew({ historyLength: 10, continueAsNewSuggested: true })).toBe(true);
    state.onSubmitted(submitted);
    state.onCallback(callback(200, { audioWavUrl: URL_A }));
    expect(state.shouldContinueAsNew({ historyLength: 100, continueAsNewSuggested: true })).toBe(false);
  });
});

describe('download', () => {
  const file: DownloadResult = {
    path: '/wav/a.wav',
    bytes: 100,
    sha256: 'ab',
    audioFormat: 1,
    sampleRate: 44_100,
    channels: 2,
    bitsPerSample: 16,
    durationSeconds: 1,
    attempt: 3,
    resumedFrom: 40,
  };

  test('attempts count the activity retries too, and the result says who answered', () => {
    const { state, status } = conversion({ confirmCallbacks: false });
    state.onSubmitted(submitted);
    state.onCallback(callback(200, { audioWavUrl: URL_A }));
    state.onDownloadStarted();
    const result = state.onDownloaded(file, TASK);
    expect(result).toEqual({ ...file, wavTaskId: TASK, answeredBy: 'callback' });
    expect(status.downloadAttempts).toBe(3);
    state.onCompleted(result);
    expect(status).toMatchObject({ result, completedAt: '2026-11-30T10:00:00.000Z' });
  });

  test('without a recorded answer source the result says poll', () => {
    const { state } = conversion();
    expect(state.onDownloaded({ ...file, attempt: 1 }, TASK).answeredBy).toBe('poll');
  });

  test('an expired URL is refreshed at most three times', () => {
    const { state, status } = conversion();
    const refreshes = [];
    while (state.mayRefreshUrl()) {
      state.onUrlRefresh();
      refreshes.push(status.urlRefreshes);
    }
    expect(refreshes).toEqual([1, 2, 3]);
  });

  test('a failure is recorded in the status', () => {
    const { state, status } = conversion();
    state.failed('WavUrlExpired', 'gone');
    expect(status.failure).toEqual({ type: 'WavUrlExpired', message: 'gone' });
  });
});
