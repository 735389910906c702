import { ApplicationFailure } from '@temporalio/common';
import { toApplicationFailure } from '../../src/activities/provider-failure';
import { loadConfig } from '../../src/config';
import { ProviderError } from '../../src/provider';
import { PROVIDER_BACKOFF } from '../../src/workflows/messages';

const backoff = { baseMs: 1_000, maxMs: 10_000 };
const rateLimited = () => new ProviderError('generate', 430, 'too fast', 200, 'sunoapi');
/** The delay given to `attempt` when the jitter draws `draw` (0 = the shortest, 1 = the longest). */
const delay = (attempt: number, draw: number) => (toApplicationFailure(rateLimited(), attempt, backoff, () => draw) as ApplicationFailure).nextRetryDelay;

test('a retryable refusal waits between half and all of base × 2^(attempt-1)', () => {
  expect([delay(1, 0), delay(1, 1)]).toEqual([500, 1_000]);
  expect([delay(2, 0), delay(2, 1)]).toEqual([1_000, 2_000]);
  expect([delay(3, 0), delay(3, 0.5), delay(3, 1)]).toEqual([2_000, 3_000, 4_000]);
});

test('no delay is longer than the maximum, however many attempts', () => {
  expect([delay(5, 0), delay(5, 1)]).toEqual([5_000, 10_000]);
  expect(delay(40, 1)).toBe(10_000);
});

test('the attempt count starts at 1; a 0 from a test environment counts as the first', () => {
  expect(delay(0, 1)).toBe(1_000);
});

test("a refusal becomes an ApplicationFailure of its type, keeping the provider's code", () => {
  const failure = toApplicationFailure(new ProviderError('record-info', 402, 'Insufficient Credits', 200, 'kie'), 1, backoff) as ApplicationFailure;
  expect(failure).toBeInstanceOf(ApplicationFailure);
  expect(failure).toMatchObject({ type: 'InsufficientCredits', nonRetryable: true, message: 'record-info answered 402: Insufficient Credits' });
  expect(failure.details).toEqual([{ endpoint: 'record-info', code: 402, httpStatus: 200 }]);
  expect(failure.nextRetryDelay).toBeUndefined();
});

test('anything else is thrown as it came (a cancellation stays a cancellation)', () => {
  const err = new Error('aborted');
  expect(toApplicationFailure(err, 1, backoff)).toBe(err);
});

test("the backoff's defaults are the workflow's retry policy for calls that end without an answer", () => {
  const config = loadConfig({});
  expect({ baseMs: config.PROVIDER_RETRY_BASE_MS, maxMs: config.PROVIDER_RETRY_MAX_MS }).toEqual({ baseMs: PROVIDER_BACKOFF.initialMs, maxMs: PROVIDER_BACKOFF.maximumMs });
  expect(loadConfig({ PROVIDER_RETRY_MAX_MS: '600000' }).PROVIDER_RETRY_MAX_MS).toBe(600_000);
});
