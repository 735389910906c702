import { answerFailure, isRetryable, type FailureType } from '../failures';
import type { ProviderVariant } from './types';

export type ProviderEndpoint = 'generate' | 'record-info';

/**
 * A refusal or failure from the provider's API. `code` is the body's code when the body had one
 * (it may differ from the HTTP status), otherwise the HTTP status; 0 for network errors and timeouts.
 * What the code means, and whether a retry can help, is the failure table's (src/failures/failures.ts).
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
    this.type = answerFailure(code, variant);
    this.retryable = isRetryable(this.type);
  }
}
