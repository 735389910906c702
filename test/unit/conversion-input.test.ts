import { checkCarried, withRenames } from '../../src/workflows/carried-status';
import { initialStatus, startingPoint } from '../../src/workflows/conversion-state';
import { checkInput, DEADLINE_MS, POLL_INTERVAL_MS } from '../../src/workflows/input';
import type { ConversionStatus } from '../../src/workflows/messages';
import { conversionInputSchema, secondsWithin } from '../../src/conversions/input-schema';

/** The workflow's input, its carried state, and the API request built from the same fields. */

const START = new Date('2026-11-30T10:00:00.000Z');
const run = { workflowId: 'wav-a1', startTime: START };
const continued = { ...run, continuedFromExecutionRunId: 'run-1' };

const errorOf = (value: unknown) => {
  const checked = checkInput(value);
  return checked.ok ? undefined : checked.error;
};

describe('the workflow input', () => {
  test('a source id and nothing else is enough', () => {
    expect(checkInput({ audioId: 'a1' })).toEqual({ ok: true, input: { audioId: 'a1' } });
    expect(checkInput({ taskId: 't1', startedBy: 'cli' }).ok).toBe(true);
  });

  test.each([
    [{ audioId: 'a', pollIntervalMs: 0 }, 'pollIntervalMs'],
    [{ audioId: 'a', pollIntervalMs: -1 }, 'pollIntervalMs'],
    [{ audioId: 'a', pollIntervalMs: 4_999 }, 'pollIntervalMs'],
    [{ audioId: 'a', pollIntervalMs: 5_000.5 }, 'pollIntervalMs'],
    [{ audioId: 'a', pollIntervalMs: 3_600_001 }, 'pollIntervalMs'],
    [{ audioId: 'a', pollIntervalMs: '30000' }, 'pollIntervalMs'],
    [{ audioId: 'a', deadlineMs: 0 }, 'deadlineMs'],
    [{ audioId: 'a', deadlineMs: 7 * 24 * 3_600_000 + 1 }, 'deadlineMs'],
    [{ audioId: 'a', historyEventLimit: 5 }, 'historyEventLimit'],
    [{ audioId: 'a', historyEventLimit: 1e9 }, 'historyEventLimit'],
    [{ audioId: 'a', downloadHeartbeatTimeoutMs: 0 }, 'downloadHeartbeatTimeoutMs'],
    [{ audioId: 'a', providerCallTimeoutMs: 10 }, 'providerCallTimeoutMs'],
    [{ audioId: 'a', confirmCallbacks: 'no' }, 'confirmCallbacks'],
    [{ audioId: 'a/../../etc' }, 'audioId'],
    [{ audioId: '' }, 'audioId'],
    [{ taskId: 'x'.repeat(201) }, 'taskId'],
    [{ pollIntervalMs: 30_000 }, 'audioId'],
    [{ audioId: null }, 'audioId'],
  ])('%j is refused, naming %s', (input, field) => {
    expect(errorOf(input)).toMatch(new RegExp(`^${field}: `));
  });

  test.each([null, undefined, 42, 'audioId', [{ audioId: 'a' }]])('%j is not an input at all', (value) => {
    expect(errorOf(value)).toMatch(/^\(input\): /);
  });

  test('every wrong field is named', () => {
    expect(errorOf({ audioId: 'a', pollIntervalMs: 1, deadlineMs: -1 })).toMatch(/^pollIntervalMs: .*; deadlineMs: /);
  });

  test('a source id with other characters is refused, saying which are allowed', () => {
    expect(errorOf({ audioId: 'a b' })).toBe('audioId: letters, digits and . _ : - only');
  });

  test('without a source id the error asks for one', () => {
    expect(errorOf({ pollIntervalMs: 30_000 })).toBe('audioId: audioId or taskId is required');
  });

  test.each(['downloadHeartbeatTimeoutMs', 'providerCallTimeoutMs'])('%s takes a second at least', (field) => {
    expect(errorOf({ audioId: 'a', [field]: 999 })).toMatch(new RegExp(`^${field}: `));
    expect(errorOf({ audioId: 'a', [field]: 1_000 })).toBeUndefined();
  });

  test('the download heartbeat timeout is an hour at most, a provider call ten minutes', () => {
    expect(errorOf({ audioId: 'a', downloadHeartbeatTimeoutMs: 3_600_000 })).toBeUndefined();
    expect(errorOf({ audioId: 'a', downloadHeartbeatTimeoutMs: 3_600_001 })).toMatch(/^downloadHeartbeatTimeoutMs: /);
    expect(errorOf({ audioId: 'a', providerCallTimeoutMs: 600_000 })).toBeUndefined();
    expect(errorOf({ audioId: 'a', providerCallTimeoutMs: 600_001 })).toMatch(/^providerCallTimeoutMs: /);
  });

  test('startedBy is a label of 100 characters at most', () => {
    expect(errorOf({ audioId: 'a', startedBy: 'x'.repeat(100) })).toBeUndefined();
    expect(errorOf({ audioId: 'a', startedBy: 'x'.repeat(101) })).toMatch(/^startedBy: /);
  });

  test('the bounds are included', () => {
    expect(checkInput({ audioId: 'a', pollIntervalMs: 5_000, deadlineMs: 7 * 24 * 3_600_000, historyEventLimit: 20 }).ok).toBe(true);
    expect(checkInput({ audioId: 'a', pollIntervalMs: 3_600_000, deadlineMs: 1_000, historyEventLimit: 10_000 }).ok).toBe(true);
  });
});

describe('the same bounds in seconds, for callers that speak seconds (the HTTP API)', () => {
  const poll = secondsWithin(POLL_INTERVAL_MS);
  const deadline = secondsWithin(DEADLINE_MS);

  test('the bounds are the same, in seconds, both included', () => {
    expect([4.999, 5, 3600, 3600.001].map((seconds) => poll.safeParse(seconds).success)).toEqual([false, true, true, false]);
    expect([0.999, 1, 7 * 24 * 3600, 7 * 24 * 3600 + 0.001].map((seconds) => deadline.safeParse(seconds).success)).toEqual([false, true, true, false]);
  });

  test('a value in bounds, rounded to ms, is in the workflow\'s bounds', () => {
    for (const pollIntervalSeconds of [5, 5.0004, 17.3, 3600]) {
      for (const deadlineSeconds of [1, 1.0004, 2.5, 7 * 24 * 3600]) {
        expect([poll.safeParse(pollIntervalSeconds).success, deadline.safeParse(deadlineSeconds).success]).toEqual([true, true]);
        const input = { audioId: 'a1', pollIntervalMs: Math.round(pollIntervalSeconds * 1000), deadlineMs: Math.round(deadlineSeconds * 1000) };
        expect(conversionInputSchema.safeParse(input).success).toBe(true);
      }
    }
  });
});

/** A status as a run writes it while waiting. */
function waitingStatus(overrides: Partial<ConversionStatus> = {}): ConversionStatus {
  return {
    ...initialStatus({ audioId: 'a1' }, 'wav-a1', START),
    phase: 'waiting',
    phases: [
      { phase: 'submitting', at: START.toISOString() },
      { phase: 'waiting', at: START.toISOString() },
    ],
    wavTaskId: 'wav-task',
    polls: 3,
    nextPollAt: START.toISOString(),
    ignoredCallbacks: [{ reason: 'other-task', taskId: 'x', code: 200, msg: '', at: START.toISOString() }],
    ...overrides,
  };
}

describe('the carried state', () => {
  test("this conversion's own continue-as-new may carry its state", () => {
    expect(checkCarried({ carried: waitingStatus() }, continued)).toEqual({ ok: true, status: waitingStatus() });
  });

  test('a start that is not a continue-as-new may not', () => {
    expect(checkCarried({ carried: waitingStatus() }, run)).toEqual({ ok: false, error: expect.stringMatching(/^carried: /) as unknown });
  });

  test('the state is taken as this conversion\'s: a continue-as-new keeps the workflow id (a replay may use another)', () => {
    expect(checkCarried({ carried: waitingStatus({ conversionId: 'replayed-under-another-id' }) }, continued)).toEqual({ ok: true, status: waitingStatus() });
  });

  test.each([
    ['a finished result (a path to serve)', { result: { path: '/etc/passwd' } }, 'carried.result'],
    ['a failure', { failure: { type: 'x', message: 'y' } }, 'carried.failure'],
    ['an unknown phase', { phase: 'done' }, 'carried.phase'],
    ['negative counts', { polls: -1 }, 'carried.polls'],
    ['a deadline that is not a time', { deadlineAt: 'tomorrow' }, 'carried.deadlineAt'],
    ['more URL refreshes than allowed', { urlRefreshes: 4 }, 'carried.urlRefreshes'],
  ])('a state with %s is refused', (_what, overrides, field) => {
    const checked = checkCarried({ carried: { ...waitingStatus(), ...overrides } }, continued);
    expect(checked.ok ? '' : checked.error).toMatch(new RegExp(`^${field.replace('.', '\\.')}: `));
  });

  test.each([null, 'state', []])('%j is not a state, and the error says so of the state itself', (value) => {
    expect(checkCarried({ carried: value }, continued)).toEqual({ ok: false, error: expect.stringMatching(/^carried: /) as unknown });
  });

  test('an empty object is not a state: the error names the missing fields', () => {
    const checked = checkCarried({ carried: {} }, continued);
    expect(checked.ok ? '' : checked.error).toMatch(/^carried\.conversionId: .*; carried\.phase: /);
  });

  /** A state with everything a run may have written by the time it continues as new: each reason, a malformed body, an answer. */
  const everything = (overrides: Partial<ConversionStatus> = {}): ConversionStatus =>
    waitingStatus({
      phase: 'downloading',
      phases: [
        { phase: 'submitting', at: START.toISOString() },
        { phase: 'waiting', at: START.toISOString() },
        { phase: 'downloading', at: START.toISOString() },
      ],
      taskId: 't1',
      adopted: true,
      callbacks: { received: 4, duplicates: 1, mismatched: 1, withoutUrl: 1, malformed: 1 },
      ignoredCallbacks: (['other-task', 'after-outcome', 'no-url'] as const).map((reason) => ({ reason, taskId: 'x', code: 200, msg: '', at: START.toISOString() })),
      malformedCallbacks: [{ body: 'x'.repeat(64 * 1024), error: 'data: required', at: START.toISOString() }],
      urlRefreshes: 3,
      runs: 3,
      answeredAt: START.toISOString(),
      answeredBy: 'callback',
      ...overrides,
    });

  test.each(['callback', 'poll'] as const)('a state with every field a run writes, answered by %s, is taken whole', (answeredBy) => {
    expect(checkCarried({ carried: everything({ answeredBy }) }, continued)).toEqual({ ok: true, status: everything({ answeredBy }) });
  });

  test.each([
    ['no conversion id', { conversionId: '' }, 'carried.conversionId'],
    ['no phases', { phases: [] }, 'carried.phases'],
    ['an empty provider task id', { wavTaskId: '' }, 'carried.wavTaskId'],
    ['run 0', { runs: 0 }, 'carried.runs'],
    ['an unknown answer source', { answeredBy: 'email' }, 'carried.answeredBy'],
    ['an unknown reason to ignore a callback', { ignoredCallbacks: [{ reason: 'bored', taskId: 'x', code: 200, msg: '', at: START.toISOString() }] }, 'carried.ignoredCallbacks.0.reason'],
    ['a malformed body over 64 KiB', { malformedCallbacks: [{ body: 'x'.repeat(64 * 1024 + 1), error: 'e', at: START.toISOString() }] }, 'carried.malformedCallbacks.0.body'],
  ])('a state with %s is refused, naming the field', (_what, overrides, field) => {
    const checked = checkCarried({ carried: { ...everything(), ...overrides } }, continued);
    expect(checked.ok ? '' : checked.error).toMatch(new RegExp(`^${field.replaceAll('.', '\\.')}: `));
  });

  describe('a carried download', () => {
    const downloading = () => waitingStatus({ phase: 'downloading' });

    test('comes with the state of a run that was downloading', () => {
      expect(checkCarried({ carried: downloading(), carriedDownload: { url: 'https://files.example.test/a.wav' } }, continued)).toEqual({
        ok: true,
        status: downloading(),
        download: { url: 'https://files.example.test/a.wav' },
      });
    });

    test('an http URL is handed on too', () => {
      expect(checkCarried({ carried: downloading(), carriedDownload: { url: 'http://files.example.test/a.wav' } }, continued)).toMatchObject({ ok: true, download: { url: 'http://files.example.test/a.wav' } });
    });

    test.each([
      ['without a state', { carriedDownload: { url: 'https://files.example.test/a.wav' } }, continued, /^carriedDownload: /],
      ['into a start', { carried: downloading(), carriedDownload: { url: 'https://files.example.test/a.wav' } }, run, /^carried: /],
      ['from a run that was not downloading', { carried: waitingStatus(), carriedDownload: { url: 'https://files.example.test/a.wav' } }, continued, /^carriedDownload: /],
      ['of a file: URL', { carried: downloading(), carriedDownload: { url: 'file:///etc/passwd' } }, continued, /^carriedDownload\.url: /],
      ['without a URL', { carried: downloading(), carriedDownload: {} }, continued, /^carriedDownload\.url: /],
      ['of a URL with an http-like scheme', { carried: downloading(), carriedDownload: { url: 'xhttp://files.example.test/a.wav' } }, continued, /^carriedDownload\.url: /],
      ['of a URL with an https-like scheme', { carried: downloading(), carriedDownload: { url: 'httpsx://files.example.test/a.wav' } }, continued, /^carriedDownload\.url: /],
      ['from a run that had no provider task yet', { carried: waitingStatus({ phase: 'downloading', wavTaskId: undefined }), carriedDownload: { url: 'https://files.example.test/a.wav' } }, continued, /^carriedDownload: /],
    ])('is refused %s', (_what, value, where, error) => {
      const checked = checkCarried(value, where);
      expect(checked.ok ? '' : checked.error).toMatch(error);
    });
  });

  test('a renamed field is still read under its old name', () => {
    const renames = { providerTaskId: 'wavTaskId' };
    expect(withRenames({ wavTaskId: 't1', polls: 1 }, renames)).toEqual({ providerTaskId: 't1', polls: 1 });
    expect(withRenames({ providerTaskId: 't2', polls: 1 }, renames)).toEqual({ providerTaskId: 't2', polls: 1 });
  });

  test('with both names, the new one wins, and the old one is not handed on', () => {
    expect(withRenames({ providerTaskId: 'new', wavTaskId: 'old' }, { providerTaskId: 'wavTaskId' })).toEqual({ providerTaskId: 'new' });
  });

  test.each([null, 'state', [], 7])('renames leave %j as it is, for the check to refuse', (value) => {
    expect(withRenames(value, { providerTaskId: 'wavTaskId' })).toEqual(value);
  });
});

describe('where a run starts', () => {
  test('a fresh start from a good input', () => {
    const start = startingPoint({ audioId: 'a1', deadlineMs: 60_000 }, run, true);
    expect(start.invalid).toBeUndefined();
    expect(start.status).toMatchObject({ audioId: 'a1', runs: 1, deadlineAt: '2026-11-30T10:01:00.000Z' });
  });

  test('a bad input leaves nothing of itself but the failure', () => {
    const start = startingPoint({ audioId: 'a1', pollIntervalMs: 1 }, run, true);
    expect(start.invalid).toMatch(/^pollIntervalMs: /);
    expect(start.input).toEqual({});
    expect(start.status).not.toHaveProperty('audioId');
  });

  test('state carried into a start is refused, and not used', () => {
    const start = startingPoint({ audioId: 'a1', carried: waitingStatus({ result: { path: '/etc/passwd' } as ConversionStatus['result'] }) }, run, true);
    expect(start.invalid).toMatch(/^carried: /);
    expect(start.status.result).toBeUndefined();
    expect(start.input.carried).toBeUndefined();
  });

  test('a continue-as-new resumes the carried state, one run more', () => {
    const start = startingPoint({ audioId: 'a1', carried: waitingStatus() }, continued, true);
    expect(start.invalid).toBeUndefined();
    expect(start.status).toEqual({ ...waitingStatus(), runs: 2 });
  });

  test('runs started before inputs were checked replay as they ran', () => {
    const start = startingPoint({ audioId: 'a1', pollIntervalMs: 200 }, run, false);
    expect(start.invalid).toBeUndefined();
    expect(start.input.pollIntervalMs).toBe(200);
  });

  test('runs started before inputs were checked resume their carried state unchecked, one run more', () => {
    const start = startingPoint({ audioId: 'a1', carried: waitingStatus({ runs: 4 }) }, continued, false);
    expect(start.status).toEqual({ ...waitingStatus(), runs: 5 });
  });

  test('a download carried without a state is refused, and not used', () => {
    const start = startingPoint({ audioId: 'a1', carriedDownload: { url: 'https://files.example.test/a.wav' } }, continued, true);
    expect(start.invalid).toMatch(/^carriedDownload: /);
    expect(start.status).toMatchObject({ runs: 1, phase: 'submitting' });
  });

  test('a continue-as-new that was downloading hands its download on; one that was not hands none', () => {
    const downloading = waitingStatus({ phase: 'downloading' });
    const handed = startingPoint({ audioId: 'a1', carried: downloading, carriedDownload: { url: 'https://files.example.test/a.wav' } }, continued, true);
    expect(handed.invalid).toBeUndefined();
    expect(handed.input).toEqual({ audioId: 'a1', carried: downloading, carriedDownload: { url: 'https://files.example.test/a.wav' } });
    expect(startingPoint({ audioId: 'a1', carried: waitingStatus() }, continued, true).input).not.toHaveProperty('carriedDownload');
  });
});
