import { startConversionRequest } from '../../src/conversions';
import { checkCarried, withRenames } from '../../src/workflows/carried-status';
import { initialStatus, startingPoint } from '../../src/workflows/conversion-state';
import { checkInput, conversionInputSchema } from '../../src/workflows/input';
import type { ConversionStatus } from '../../src/workflows/messages';
import { z } from 'zod';

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

  test('the bounds are included', () => {
    expect(checkInput({ audioId: 'a', pollIntervalMs: 5_000, deadlineMs: 7 * 24 * 3_600_000, historyEventLimit: 20 }).ok).toBe(true);
    expect(checkInput({ audioId: 'a', pollIntervalMs: 3_600_000, deadlineMs: 1_000, historyEventLimit: 10_000 }).ok).toBe(true);
  });
});

describe('the API request uses the same bounds, in seconds', () => {
  const refused = (request: object) => {
    const parsed = startConversionRequest.safeParse({ audioId: 'a1', ...request });
    return parsed.success ? undefined : parsed.error.issues.map((i) => i.path.join('.')).join(',');
  };

  test.each([
    [{ pollIntervalSeconds: 0.0001 }, 'pollIntervalSeconds'],
    [{ pollIntervalSeconds: 4.9 }, 'pollIntervalSeconds'],
    [{ pollIntervalSeconds: 3601 }, 'pollIntervalSeconds'],
    [{ deadlineSeconds: 0.0001 }, 'deadlineSeconds'],
    [{ deadlineSeconds: 7 * 24 * 3600 + 1 }, 'deadlineSeconds'],
    [{ audioId: 'a b' }, 'audioId'],
  ])('%j is refused', (request, field) => {
    expect(refused(request)).toBe(field);
  });

  test('whatever the API accepts, rounded to ms, the workflow accepts', () => {
    for (const pollIntervalSeconds of [5, 5.0004, 17.3, 3600]) {
      for (const deadlineSeconds of [1, 1.0004, 2.5, 7 * 24 * 3600]) {
        expect(refused({ pollIntervalSeconds, deadlineSeconds })).toBeUndefined();
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

  test.each([null, 'state', [], {}])('%j is not a state', (value) => {
    expect(checkCarried({ carried: value }, continued).ok).toBe(false);
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

    test.each([
      ['without a state', { carriedDownload: { url: 'https://files.example.test/a.wav' } }, continued, /^carriedDownload: /],
      ['into a start', { carried: downloading(), carriedDownload: { url: 'https://files.example.test/a.wav' } }, run, /^carried: /],
      ['from a run that was not downloading', { carried: waitingStatus(), carriedDownload: { url: 'https://files.example.test/a.wav' } }, continued, /^carriedDownload: /],
      ['of a file: URL', { carried: downloading(), carriedDownload: { url: 'file:///etc/passwd' } }, continued, /^carriedDownload\.url: /],
      ['without a URL', { carried: downloading(), carriedDownload: {} }, continued, /^carriedDownload\.url: /],
    ])('is refused %s', (_what, value, where, error) => {
      const checked = checkCarried(value, where);
      expect(checked.ok ? '' : checked.error).toMatch(error);
    });
  });

  test('a renamed field is still read under its old name', () => {
    const schema = withRenames(z.object({ providerTaskId: z.string(), polls: z.number() }), { providerTaskId: 'wavTaskId' });
    expect(schema.parse({ wavTaskId: 't1', polls: 1 })).toEqual({ providerTaskId: 't1', polls: 1 });
    expect(schema.parse({ providerTaskId: 't2', polls: 1 })).toEqual({ providerTaskId: 't2', polls: 1 });
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
});
