import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { failureTable } from '../../src/failures';
import {
  activityFailure,
  answerFailure,
  callbackFailure,
  endsWaiting,
  FAILURES,
  FailureType,
  fileHostFailure,
  isFailureType,
  isRetryable,
  stateFailure,
  type FailureRule,
  type ProviderVariant,
} from '../../src/failures';

const variants: ProviderVariant[] = ['sunoapi', 'kie'];
const types = FAILURES.map(([type]) => type);

test('the README table of failures is the one generated from the failure table', () => {
  const readme = readFileSync(resolve(__dirname, '../../README.md'), 'utf8');
  const documented = /<!-- failure-table:start -->\n([\s\S]*?)\n<!-- failure-table:end -->/.exec(readme)?.[1];
  // On failure: paste the output of `node dist/cli.js failure-table` into the README.
  expect(documented).toBe(failureTable());
});

test('the generated table has one row per failure type, in the table\'s order', () => {
  const rows = failureTable().split('\n').slice(2);
  expect(rows.map((row) => /^\| `(\w+)` \|/.exec(row)?.[1])).toEqual(types);
});

test('FailureType names every type by itself', () => {
  expect(Object.entries(FailureType)).toEqual(types.map((type) => [type, type]));
  expect(isFailureType('WavUrlExpired')).toBe(true);
  expect(isFailureType('toString')).toBe(false);
  expect(isFailureType('CancelledFailure')).toBe(false);
});

test('exactly these types are retried: rate limits, outages, and downloads that can resume', () => {
  // A change here changes which failures Temporal retries: README and CHANGELOG.md say so.
  expect(types.filter(isRetryable)).toEqual(['ProviderRateLimited', 'ProviderUnavailable', 'TruncatedDownload', 'DownloadFailed', 'InsufficientStorage']);
});

test('a failed poll ends the wait only when the provider refuses the account', () => {
  // The workflow decides on this set: changing it changes what running conversions do (a patch).
  expect(types.filter(endsWaiting)).toEqual(['ProviderUnauthorized', 'InsufficientCredits']);
  expect(endsWaiting(undefined)).toBe(false);
  expect(endsWaiting('SomethingElse')).toBe(false);
});

describe('activityFailure', () => {
  test.each(types)('%s is an ApplicationFailure of its type, non-retryable unless the table retries it', (type) => {
    const failure = activityFailure(type, 'what happened');
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type, message: 'what happened', nonRetryable: !isRetryable(type) });
    expect(failure.nextRetryDelay).toBeUndefined();
    expect(failure.details).toBeUndefined();
  });

  test('a retryable one takes its own delay and details', () => {
    const failure = activityFailure(FailureType.ProviderRateLimited, 'slow down', { details: [{ code: 430 }], nextRetryDelayMs: 1500 });
    expect(failure).toMatchObject({ nonRetryable: false, nextRetryDelay: 1500, details: [{ code: 430 }] });
  });

  test('a non-retryable one is not given a delay (it would never be used)', () => {
    const failure = activityFailure(FailureType.InsufficientCredits, 'top up', { details: [{ code: 402 }], nextRetryDelayMs: 1500 });
    expect(failure).toMatchObject({ nonRetryable: true, details: [{ code: 402 }] });
    expect(failure.nextRetryDelay).toBeUndefined();
  });
});

describe('answerFailure: what a provider answer to submit or record-info means', () => {
  test.each(variants)('every code means one type at most on %s', (variant) => {
    const listed = FAILURES.flatMap(([, { answers }]) => [...(answers?.codes ?? []), ...(answers?.only?.[variant] ?? [])]);
    expect(listed.filter((code, i) => listed.indexOf(code) !== i)).toEqual([]);
  });

  test('exactly one type takes the unlisted 4xx codes, and one all the rest', () => {
    expect(FAILURES.filter(([, { answers }]) => answers?.otherwise === '4xx').map(([type]) => type)).toEqual(['InvalidRequest']);
    expect(FAILURES.filter(([, { answers }]) => answers?.otherwise === 'any').map(([type]) => type)).toEqual(['ProviderUnavailable']);
  });

  test.each(variants)('unlisted codes on %s: 4xx are invalid requests; 3xx, 5xx and others are outages', (variant) => {
    expect(answerFailure(499, variant)).toBe('InvalidRequest');
    expect(answerFailure(400, variant)).toBe('InvalidRequest');
    expect(answerFailure(399, variant)).toBe('ProviderUnavailable');
    expect(answerFailure(500, variant)).toBe('ProviderUnavailable');
    expect(answerFailure(599, variant)).toBe('ProviderUnavailable');
    expect(answerFailure(-1, variant)).toBe('ProviderUnavailable');
  });

  test('429 is the only code whose meaning depends on the provider', () => {
    const differing = Array.from({ length: 600 }, (_, code) => code).filter((code) => answerFailure(code, 'sunoapi') !== answerFailure(code, 'kie'));
    expect(differing).toEqual([429]);
    expect(answerFailure(429, 'sunoapi')).toBe('InsufficientCredits');
    expect(answerFailure(429, 'kie')).toBe('ProviderRateLimited');
  });
});

describe('callbackFailure: what a failure callback reports', () => {
  test.each<[number, FailureType]>([
    [400, 'SourceRejected'],
    [451, 'SourceDownloadFailed'],
    [401, 'ProviderUnauthorized'],
    [402, 'InsufficientCredits'],
    [429, 'InsufficientCredits'],
    [500, 'ProviderConversionError'],
    [501, 'ProviderConversionError'],
    [403, 'ProviderConversionError'],
    [0, 'ProviderConversionError'],
  ])('code %i: %s', (code, type) => {
    expect(callbackFailure(code)).toBe(type);
  });

  test('every callback code means one type at most, and one type takes the rest', () => {
    const listed = FAILURES.flatMap(([, { callbacks }]) => callbacks?.codes ?? []);
    expect(new Set(listed).size).toBe(listed.length);
    expect(FAILURES.filter(([, { callbacks }]) => callbacks?.otherwise).map(([type]) => type)).toEqual(['ProviderConversionError']);
  });

  test('429 in a callback means the same on every provider: only api.box documents it, as insufficient credits', () => {
    expect(callbackFailure(429)).toBe(answerFailure(429, 'sunoapi'));
  });
});

describe('stateFailure: what a record-info state reports', () => {
  test.each<[string, FailureType | undefined]>([
    ['CREATE_TASK_FAILED', 'CreateTaskFailed'],
    ['GENERATE_WAV_FAILED', 'GenerateWavFailed'],
    ['GENERATE_AUDIO_FAILED', 'GenerateWavFailed'],
    ['SENSITIVE_WORD_FAILED', 'GenerateWavFailed'],
    ['CALLBACK_EXCEPTION', 'CallbackException'],
    ['SUCCESS', undefined],
    ['PENDING', undefined],
    ['SOMETHING_NEW', undefined],
  ])('%s: %s', (state, type) => {
    expect(stateFailure(state)).toBe(type);
  });
});

describe('fileHostFailure: which file host statuses mean the URL expired', () => {
  test.each([403, 404, 410])('%i: WavUrlExpired', (status) => {
    expect(fileHostFailure(status)).toBe('WavUrlExpired');
  });

  test.each([200, 206, 401, 416, 500])('%i: not an expired URL', (status) => {
    expect(fileHostFailure(status)).toBeUndefined();
  });
});

test("each failure's step agrees with where it comes from", () => {
  const ofStep = (step: FailureRule['step']) => FAILURES.filter(([, rule]) => rule.step === step).map(([type]) => type);
  // A provider's answer to one of our requests is a refused request; a callback or a record-info state reports the conversion.
  expect(ofStep('request')).toEqual(FAILURES.filter(([, rule]) => rule.answers).map(([type]) => type));
  expect(ofStep('conversion')).toEqual(FAILURES.filter(([, rule]) => !rule.answers && (rule.callbacks || rule.states)).map(([type]) => type));
  expect(ofStep('input')).toEqual(['InvalidConversionInput']);
  expect(ofStep('deadline')).toEqual(['ConversionTimedOut']);
  expect(ofStep('download')).toEqual(['WavUrlExpired', 'NotAWavFile', 'TruncatedDownload', 'DownloadFailed', 'ForbiddenDownloadAddress', 'NotHttpResponse', 'DownloadTooLarge', 'InsufficientStorage']);
});

test('every type says what a user should do, and where it comes from', () => {
  for (const [type, rule] of FAILURES) {
    expect({ type, action: rule.action.length > 10 }).toEqual({ type, action: true });
    const sources = [rule.answers, rule.callbacks, rule.states, rule.fileHost, rule.when].filter((source) => source !== undefined);
    expect({ type, sources: sources.length > 0 }).toEqual({ type, sources: true });
  }
});
