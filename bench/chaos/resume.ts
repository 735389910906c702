import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';

/**
 * Did a download start over, fetching again from byte 0 what an earlier attempt had already stored?
 *
 * The bytes the sandbox sent are not enough to say: at a cut, or when an attempt is cancelled (a
 * history node's shards moving), the bytes it had written into the connection but the worker had
 * not stored yet are lost with it, and on a busy machine that is one throttled chunk, 10 % to 40 %
 * of a small file, although the next attempt resumed exactly where the last one stopped. So the
 * download's own account decides: the attempt that produced the file says where it started
 * (`resumedFrom`) and what stored bytes it threw away (`discardedBytes`), and its history says what the attempt before it had stored (its failure,
 * "interrupted after N bytes", or the bytes of its last recorded heartbeat).
 */
export interface ResumeEvidence {
  fileBytes: number;
  /** Body bytes the sandbox sent for the file, over all requests. */
  bytesServed: number;
  /** Where the attempt that produced the file started; undefined without a result. */
  resumedFrom: number | undefined;
  /** Bytes the attempt before it had stored, when its history says; undefined when it does not. */
  storedBefore: number | undefined;
  /**
   * What the attempt that produced the file threw away of what the store held when it began (its
   * result's `discardedBytes`): undefined without a result, or from a release before it was said.
   */
  discardedBytes?: number | undefined;
  /**
   * What the store may fetch again and still count as one resume (the chaos store's
   * `resumeSlackBytes`): 0 for a directory; one part for a bucket, which after a SIGKILL resumes at
   * its last whole part, so a file smaller than a part starts again from 0 by design.
   */
  slackBytes?: number;
}

/** Bytes served beyond this share of the file, with nothing to show a resume, mean a start-over. */
export const RESUME_FAILED_SHARE = 1.1;

export function startedOver({ fileBytes, bytesServed, resumedFrom, storedBefore, discardedBytes, slackBytes = 0 }: ResumeEvidence): boolean {
  // Twice over is a duplicate download, counted on its own.
  if (fileBytes === 0 || bytesServed < RESUME_FAILED_SHARE * fileBytes || bytesServed >= 2 * fileBytes) return false;
  if (bytesServed - fileBytes <= slackBytes) return false;
  // No result to ask (the conversion did not complete): the bytes alone.
  if (resumedFrom === undefined) return true;
  // It resumed: what was served beyond the file was lost in transit, not thrown away.
  if (resumedFrom > 0) return false;
  // It started from 0. Its own account says whether it threw stored bytes away. Finding none is
  // right after a worker killed before anything reached the store (what it had read, or held in
  // its write buffer, was lost in transit), unless the history says an attempt had stored bytes.
  if (discardedBytes !== undefined) return discardedBytes > 0 || (storedBefore ?? 0) > 0;
  // Without that account: right when the attempt before had stored nothing, a start-over otherwise
  // (also when nothing says what it had stored: a timed-out attempt whose heartbeats never arrived).
  return storedBefore !== 0;
}

/**
 * What the attempt before the last one of `activityType` had stored, from the history: the bytes in
 * its failure message ("interrupted after N bytes") or in the heartbeat details of its timeout.
 */
export function storedBeforeLastAttempt(events: temporal.api.history.v1.IHistoryEvent[], activityType = 'downloadWav'): number | undefined {
  const scheduled = new Set(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType).map((e) => String(e.eventId)));
  const started = events.filter((e) => e.activityTaskStartedEventAttributes && scheduled.has(String(e.activityTaskStartedEventAttributes.scheduledEventId))).at(-1);
  const failure = started?.activityTaskStartedEventAttributes?.lastFailure;
  if (!failure) return undefined;
  const interrupted = /interrupted after (\d+) bytes/.exec(failure.message ?? '');
  if (interrupted) return Number(interrupted[1]);
  const details = failure.timeoutFailureInfo?.lastHeartbeatDetails?.payloads?.[0];
  if (details) {
    const progress = defaultPayloadConverter.fromPayload<{ bytes?: number }>(details);
    if (typeof progress?.bytes === 'number') return progress.bytes;
  }
  return undefined;
}
