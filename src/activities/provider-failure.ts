import { ApplicationFailure } from '@temporalio/common';
import { ProviderError } from '../provider';

/** A provider refusal as the typed failure Temporal retries or not, keeping the provider's code. */
export function toApplicationFailure(err: unknown): unknown {
  if (!(err instanceof ProviderError)) return err;
  return ApplicationFailure.create({
    type: err.type,
    message: err.message,
    nonRetryable: !err.retryable,
    details: [{ endpoint: err.endpoint, code: err.code, httpStatus: err.httpStatus }],
  });
}
