import { Context } from '@temporalio/activity';
import type { Metrics } from '../metrics';
import { callbackUrl, ProviderError, type ProviderApi, type SubmitResult } from '../provider';
import { toApplicationFailure, type RetryBackoff } from './provider-failure';
import type { SubmitInput } from './types';

export interface SubmitDeps {
  provider: ProviderApi;
  /** Where the provider can reach our callback receiver. */
  publicBaseUrl: string;
  callbackSecret: string;
  retryBackoff: RetryBackoff;
  metrics: Metrics;
}

export function createSubmitConversion({ provider, publicBaseUrl, callbackSecret, retryBackoff, metrics }: SubmitDeps) {
  return async function submitConversion({ conversionId, taskId, audioId }: SubmitInput): Promise<SubmitResult> {
    const callBackUrl = callbackUrl(publicBaseUrl, conversionId, callbackSecret);
    try {
      const result = await provider.submit({ taskId, audioId, callBackUrl }, Context.current().cancellationSignal);
      metrics.submits.inc({ code: result.adopted ? '409' : '200' });
      Context.current().log.info('conversion submitted', { wavTaskId: result.taskId, adopted: result.adopted });
      return result;
    } catch (err) {
      metrics.submits.inc({ code: err instanceof ProviderError && err.code ? String(err.code) : 'network' });
      throw toApplicationFailure(err, Context.current().info.attempt, retryBackoff);
    }
  };
}
