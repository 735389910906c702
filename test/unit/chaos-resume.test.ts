import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { startedOver, storedBeforeLastAttempt } from '../../bench/chaos/resume';

/** Cases from chaos runs on the cluster harness, with the numbers they had. */
test('a resume that lost the bytes in transit at the cut is not a start-over', () => {
  // Cut at 72 %: the worker had stored 158,617 bytes when the connection dropped, the sandbox had sent 201,594.
  expect(startedOver({ fileBytes: 279_992, bytesServed: 322_969, resumedFrom: 158_617, storedBefore: 158_617 })).toBe(false);
});

test('an attempt that fetched the file again after the one before had stored bytes is a start-over', () => {
  expect(startedOver({ fileBytes: 246_828, bytesServed: 444_290, resumedFrom: 0, storedBefore: 197_462 })).toBe(true);
});

test('so is a start from 0 when nothing says what the attempt before had stored (its heartbeats never reached Temporal)', () => {
  expect(startedOver({ fileBytes: 298_688, bytesServed: 504_102, resumedFrom: 0, storedBefore: undefined })).toBe(true);
});

test('a start from 0 after an attempt that had stored nothing is right', () => {
  expect(startedOver({ fileBytes: 147_160, bytesServed: 191_308, resumedFrom: 0, storedBefore: 0 })).toBe(false);
});

test("a start from 0 whose own account says the store held nothing is right, even when the history cannot say (a worker killed before its first byte reached the store)", () => {
  // 134,552 bytes were in transit, in the socket and the write buffer, when the worker was killed.
  expect(startedOver({ fileBytes: 260_412, bytesServed: 394_964, resumedFrom: 0, storedBefore: undefined, discardedBytes: 0 })).toBe(false);
});

test('a start from 0 that threw stored bytes away is a start-over, whatever the history says', () => {
  expect(startedOver({ fileBytes: 260_412, bytesServed: 394_964, resumedFrom: 0, storedBefore: undefined, discardedBytes: 120_000 })).toBe(true);
  expect(startedOver({ fileBytes: 260_412, bytesServed: 394_964, resumedFrom: 0, storedBefore: 0, discardedBytes: 120_000 })).toBe(true);
  // Nothing held at its start although an attempt had stored bytes: something between threw them away.
  expect(startedOver({ fileBytes: 260_412, bytesServed: 394_964, resumedFrom: 0, storedBefore: 120_000, discardedBytes: 0 })).toBe(true);
});

test('one download, or one twice over (counted as a duplicate instead), is not a start-over', () => {
  expect(startedOver({ fileBytes: 100_000, bytesServed: 100_000, resumedFrom: 0, storedBefore: undefined })).toBe(false);
  expect(startedOver({ fileBytes: 100_000, bytesServed: 200_000, resumedFrom: 0, storedBefore: 50_000 })).toBe(false);
});

test('without a result, the bytes alone decide', () => {
  expect(startedOver({ fileBytes: 100_000, bytesServed: 115_000, resumedFrom: undefined, storedBefore: undefined })).toBe(true);
  expect(startedOver({ fileBytes: 100_000, bytesServed: 105_000, resumedFrom: undefined, storedBefore: undefined })).toBe(false);
});

describe('what the attempt before the last one had stored, from the history', () => {
  const scheduled = (id: number, name: string): temporal.api.history.v1.IHistoryEvent => ({ eventId: id as never, activityTaskScheduledEventAttributes: { activityType: { name } } });
  const started = (id: number, scheduledEventId: number, lastFailure?: temporal.api.failure.v1.IFailure): temporal.api.history.v1.IHistoryEvent => ({
    eventId: id as never,
    activityTaskStartedEventAttributes: { scheduledEventId: scheduledEventId as never, ...(lastFailure ? { lastFailure } : {}) },
  });

  test('from the failure message of an interrupted attempt', () => {
    const events = [scheduled(5, 'submitConversion'), started(6, 5, { message: 'interrupted after 7 bytes: aborted' }), scheduled(25, 'downloadWav'), started(30, 25, { message: 'interrupted after 197462 bytes: aborted' })];
    expect(storedBeforeLastAttempt(events)).toBe(197_462);
  });

  test('from the heartbeat details of a timed-out attempt, and nothing when it never heartbeat', () => {
    const details = { payloads: [defaultPayloadConverter.toPayload({ bytes: 65_290, etag: '"x"' })] };
    expect(storedBeforeLastAttempt([scheduled(25, 'downloadWav'), started(30, 25, { message: 'activity Heartbeat timeout', timeoutFailureInfo: { lastHeartbeatDetails: details } })])).toBe(65_290);
    expect(storedBeforeLastAttempt([scheduled(25, 'downloadWav'), started(30, 25, { message: 'activity Heartbeat timeout', timeoutFailureInfo: {} })])).toBeUndefined();
    expect(storedBeforeLastAttempt([scheduled(25, 'downloadWav'), started(26, 25)])).toBeUndefined();
  });
});

test("a store that resumes only at whole parts (a bucket's slack) may start a small file over", () => {
  expect(startedOver({ fileBytes: 246_828, bytesServed: 444_290, resumedFrom: 0, storedBefore: 197_462, slackBytes: 8 * 1024 ** 2 })).toBe(false);
  expect(startedOver({ fileBytes: 20 * 1024 ** 2, bytesServed: 31 * 1024 ** 2, resumedFrom: 0, storedBefore: 12 * 1024 ** 2, slackBytes: 8 * 1024 ** 2 })).toBe(true);
});
