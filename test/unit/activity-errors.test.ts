import { ActivityFailure, ApplicationFailure, RetryState, TimeoutFailure, TimeoutType } from '@temporalio/common';
import { FailureType } from '../../src/failures';
import { applicationFailureType, expiredUrlMessage, failureOf } from '../../src/workflows/activity-errors';

/** How the workflow sees an activity's failure: wrapped in an ActivityFailure. */
const fromActivity = (cause: Error) => new ActivityFailure('activity failed', 'pollConversion', '1', RetryState.NON_RETRYABLE_FAILURE, undefined, cause);
const typed = (type: string, message: string) => ApplicationFailure.create({ type, message, nonRetryable: true });

describe('failureOf', () => {
  test("an activity's typed failure becomes the conversion's", () => {
    expect(failureOf(fromActivity(typed('ProviderUnauthorized', 'bad key')), FailureType.ProviderUnavailable)).toEqual({ type: 'ProviderUnauthorized', message: 'bad key' });
  });

  test('an untyped one (a timeout) takes the fallback type and keeps its message', () => {
    const timeout = new TimeoutFailure('activity StartToClose timeout', undefined, TimeoutType.START_TO_CLOSE);
    expect(failureOf(fromActivity(timeout), FailureType.ProviderUnavailable)).toEqual({ type: 'ProviderUnavailable', message: 'activity StartToClose timeout' });
  });

  test('an ApplicationFailure without a type takes the fallback type too', () => {
    expect(failureOf(fromActivity(ApplicationFailure.create({ message: 'no type given' })), FailureType.DownloadFailed)).toEqual({ type: 'DownloadFailed', message: 'no type given' });
  });

  test('a typed failure that did not come wrapped keeps its type', () => {
    expect(failureOf(typed('NotAWavFile', 'not RIFF'), FailureType.DownloadFailed)).toEqual({ type: 'NotAWavFile', message: 'not RIFF' });
  });

  test('anything thrown that is not an Error is described', () => {
    expect(failureOf('boom', FailureType.DownloadFailed)).toEqual({ type: 'DownloadFailed', message: 'boom' });
  });
});

describe('applicationFailureType', () => {
  test('the type of an activity failure, if typed', () => {
    expect(applicationFailureType(fromActivity(typed('InsufficientCredits', 'x')))).toBe('InsufficientCredits');
    expect(applicationFailureType(fromActivity(new Error('x')))).toBeUndefined();
    expect(applicationFailureType(typed('InsufficientCredits', 'not from an activity'))).toBeUndefined();
    expect(applicationFailureType(fromActivity(ApplicationFailure.create({ message: 'no type given' })))).toBeUndefined();
  });
});

describe('expiredUrlMessage', () => {
  test('only a WavUrlExpired failure is an expired URL', () => {
    expect(expiredUrlMessage(fromActivity(typed('WavUrlExpired', 'file host answered 410')))).toBe('file host answered 410');
    expect(expiredUrlMessage(fromActivity(typed('DownloadFailed', 'file host answered 500')))).toBeUndefined();
    expect(expiredUrlMessage(new Error('x'))).toBeUndefined();
    expect(expiredUrlMessage(typed('WavUrlExpired', 'not wrapped'))).toBe('not wrapped');
  });
});
