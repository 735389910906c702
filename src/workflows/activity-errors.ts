import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../failures';

/**
 * What an activity's failure means for the conversion. Activities throw typed ApplicationFailures;
 * the workflow sees them wrapped in an ActivityFailure, and sees untyped ones for timeouts.
 */

/** The failure an activity ended with, typed; untyped ones (timeouts, crashes) get `fallback`. */
export function failureOf(err: unknown, fallback: FailureType): { type: string; message: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  const type = cause instanceof ApplicationFailure && cause.type ? cause.type : fallback;
  return { type, message: cause instanceof Error ? cause.message : String(cause) };
}

/** The type of an activity's ApplicationFailure, if it had one. */
export function applicationFailureType(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  return cause instanceof ApplicationFailure && cause.type ? cause.type : undefined;
}

/** The download's URL expired: record-info can hand out a fresh one. */
export function expiredUrlMessage(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure && cause.type === FailureType.WavUrlExpired ? cause.message : undefined;
}
