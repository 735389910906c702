import { FailureType } from '../../src/failures';
import { ProviderError } from '../../src/provider/errors';
import type { ProviderVariant } from '../../src/provider/types';

/** How ProviderError classifies an answer of the provider with `code`. */
const classify = (code: number, variant: ProviderVariant) => {
  const { type, retryable } = new ProviderError('generate', code, 'refused', 200, variant);
  return { type, retryable };
};

const variants: ProviderVariant[] = ['sunoapi', 'kie'];

/** Codes whose reading does not depend on the provider: the codes every variant's docs list for POST /api/v1/wav/generate. */
const sameOnEveryProvider: [code: number, meaning: string, type: FailureType, retryable: boolean][] = [
  [400, 'Invalid parameters / Format Error', FailureType.InvalidRequest, false],
  [401, 'Unauthorized', FailureType.ProviderUnauthorized, false],
  [403, 'Forbidden', FailureType.ProviderUnauthorized, false],
  [402, 'Insufficient Credits (kie)', FailureType.InsufficientCredits, false],
  [404, 'Invalid request method or path / Not Found', FailureType.ProviderNotFound, false],
  [405, 'Rate limit exceeded (sunoapi.org)', FailureType.ProviderRateLimited, true],
  [430, 'Your call frequency is too high', FailureType.ProviderRateLimited, true],
  // The client adopts data.taskId on 409; it only gets here when that id is missing, and asking again changes nothing.
  [409, 'Conflict - WAV record already exists, without data.taskId', FailureType.InvalidRequest, false],
  [413, 'Theme or prompt too long', FailureType.InvalidRequest, false],
  [422, 'Validation Error (e.g. Please enter callBackUrl)', FailureType.InvalidRequest, false],
  [451, 'listed by KIE-cn without text', FailureType.InvalidRequest, false],
  [455, 'System maintenance / Service Unavailable', FailureType.ProviderUnavailable, true],
  [500, 'Server error / Build Failed', FailureType.ProviderUnavailable, true],
  [408, 'Upstream gave no result for over 10 minutes', FailureType.ProviderUnavailable, true],
  [501, 'Generation Failed', FailureType.ProviderUnavailable, true],
  [502, 'Bad Gateway (HTTP status only)', FailureType.ProviderUnavailable, true],
  [503, 'Service Unavailable (HTTP status only)', FailureType.ProviderUnavailable, true],
  [505, 'Feature Disabled', FailureType.ProviderFeatureDisabled, false],
  [0, 'no answer: network error or timeout', FailureType.ProviderUnavailable, true],
  [418, 'an undocumented 4xx', FailureType.InvalidRequest, false],
  [599, 'an undocumented 5xx', FailureType.ProviderUnavailable, true],
];

describe.each(variants)('a provider answer on %s', (variant) => {
  test.each(sameOnEveryProvider)('%i (%s) is %s, retryable: %s', (code, _meaning, type, retryable) => {
    expect(classify(code, variant)).toEqual({ type, retryable });
  });
});

describe('429 depends on the provider', () => {
  test('sunoapi.org / api.box: insufficient credits, not retried', () => {
    expect(classify(429, 'sunoapi')).toEqual({ type: FailureType.InsufficientCredits, retryable: false });
  });

  test('kie.ai: rate limited, retried', () => {
    expect(classify(429, 'kie')).toEqual({ type: FailureType.ProviderRateLimited, retryable: true });
  });
});

describe('ProviderError', () => {
  test('carries the classification of its code for the configured variant', () => {
    const kie = new ProviderError('generate', 429, 'Rate Limited', 429, 'kie');
    const suno = new ProviderError('generate', 429, 'Insufficient credits', 200, 'sunoapi');
    expect([kie.type, kie.retryable]).toEqual([FailureType.ProviderRateLimited, true]);
    expect([suno.type, suno.retryable]).toEqual([FailureType.InsufficientCredits, false]);
    expect(suno.httpStatus).toBe(200);
  });

  test('says which endpoint answered what, and "no response" for code 0', () => {
    const refused = new ProviderError('record-info', 404, 'Not Found', 200, 'sunoapi');
    expect(refused).toBeInstanceOf(Error);
    expect(refused.name).toBe('ProviderError');
    expect(refused.message).toBe('record-info answered 404: Not Found');
    expect(new ProviderError('generate', 0, 'fetch failed', undefined, 'kie').message).toBe('generate answered no response: fetch failed');
  });
});
