import { activityFailure } from '../failures';
import { ProviderError } from '../provider';

/** The backoff of the provider's retryable refusals (rate limits, outages), from PROVIDER_RETRY_BASE_MS and PROVIDER_RETRY_MAX_MS. */
export interface RetryBackoff {
  /** Delay before the second attempt; doubles per attempt. */
  baseMs: number;
  /** No delay is longer. */
  maxMs: number;
}

/**
 * A provider refusal as the typed failure the failure table makes of its code (retried or not),
 * keeping the provider's code. A retryable one carries its own delay: exponential, jittered over
 * its upper half, so that conversions refused together by a rate limit do not come back together.
 */
export function toApplicationFailure(err: unknown, attempt: number, backoff: RetryBackoff, random = Math.random): unknown {
  if (!(err instanceof ProviderError)) return err;
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, attempt - 1));
  return activityFailure(err.type, err.message, {
    details: [{ endpoint: err.endpoint, code: err.code, httpStatus: err.httpStatus }],
    nextRetryDelayMs: Math.round(ceiling / 2 + random() * (ceiling / 2)),
  });
}
