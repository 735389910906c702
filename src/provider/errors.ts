import { FailureType } from '../failures';
import type { ProviderVariant } from './types';

export type ProviderEndpoint = 'generate' | 'record-info';

/**
 * A refusal or failure from the provider's API. `code` is the body's code when the body had one
 * (it may differ from the HTTP status), otherwise the HTTP status; 0 for network errors and timeouts.
 */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly type: FailureType;
  readonly retryable: boolean;

  constructor(
    readonly endpoint: ProviderEndpoint,
    readonly code: number,
    message: string,
    readonly httpStatus: number | undefined,
    variant: ProviderVariant,
  ) {
    super(`${endpoint} answered ${code || 'no response'}: ${message}`);
    ({ type: this.type, retryable: this.retryable } = classifyProviderCode(code, variant));
  }
}

/** Maps a provider code to the failure type it ends with, and whether a retry can help. */
export function classifyProviderCode(code: number, variant: ProviderVariant): { type: FailureType; retryable: boolean } {
  switch (code) {
    case 400:
    case 413:
    case 422:
      return { type: FailureType.InvalidRequest, retryable: false };
    case 401:
    case 403:
      return { type: FailureType.ProviderUnauthorized, retryable: false };
    case 402:
      return { type: FailureType.InsufficientCredits, retryable: false };
    case 404:
      return { type: FailureType.ProviderNotFound, retryable: false };
    case 429:
      // sunoapi.org and api.box document 429 as "insufficient credits"; kie.ai as a rate limit.
      return variant === 'kie'
        ? { type: FailureType.ProviderRateLimited, retryable: true }
        : { type: FailureType.InsufficientCredits, retryable: false };
    case 405:
    case 430:
      return { type: FailureType.ProviderRateLimited, retryable: true };
    case 505:
      return { type: FailureType.ProviderFeatureDisabled, retryable: false };
    case 408:
    case 455:
      // Upstream timeout (kie: no result for over 10 minutes) and maintenance: in the 4xx range, but they pass.
      return { type: FailureType.ProviderUnavailable, retryable: true };
    default:
      if (code >= 400 && code < 500) return { type: FailureType.InvalidRequest, retryable: false };
      // 0 (no answer), 500, 501 and anything unknown: try again later.
      return { type: FailureType.ProviderUnavailable, retryable: true };
  }
}
