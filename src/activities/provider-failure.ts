import { ApplicationFailure } from '@temporalio/common';
import { ProviderError } from '../provider';

export interface RetryBackoff {
  /** Delay before the second attempt; doubles per attempt. */
  baseMs: number;
  maxMs: number;
}

/**
 * A provider refusal as the typed failure Temporal retries or not, keeping the provider's code.
 * Retryable ones carry their own delay: exponential, with full jitter, so that conversions
 * refused together by a rate limit do not come back together.
 */
export function toApplicationFailure(err: unknown, attempt: number, backoff: RetryBackoff, random = Math.random): unknown {
  if (!(err instanceof ProviderError)) return err;
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, attempt - 1));
  return ApplicationFailure.create({
    type: err.type,
    message: err.message,
    nonRetryable: !err.retryable,
    details: [{ endpoint: err.endpoint, code: err.code, httpStatus: err.httpStatus }],
    ...(err.retryable ? { nextRetryDelay: Math.round(ceiling / 2 + random() * (ceiling / 2)) } : {}),
  });
}
