import { Context } from '@temporalio/activity';
import { callbackUrl, type ProviderClient, type SubmitResult } from '../provider';
import { toApplicationFailure, type RetryBackoff } from './provider-failure';

export interface SubmitInput {
  conversionId: string;
  taskId?: string | undefined;
  audioId?: string | undefined;
}

export interface SubmitDeps {
  provider: ProviderClient;
  /** Where the provider can reach our callback receiver. */
  publicBaseUrl: string;
  callbackSecret: string;
  retryBackoff: RetryBackoff;
}

export function createSubmitConversion({ provider, publicBaseUrl, callbackSecret, retryBackoff }: SubmitDeps) {
  return async function submitConversion({ conversionId, taskId, audioId }: SubmitInput): Promise<SubmitResult> {
    const callBackUrl = callbackUrl(publicBaseUrl, conversionId, callbackSecret);
    try {
      const result = await provider.submit({ taskId, audioId, callBackUrl }, Context.current().cancellationSignal);
      Context.current().log.info('conversion submitted', { wavTaskId: result.taskId, adopted: result.adopted });
      return result;
    } catch (err) {
      throw toApplicationFailure(err, Context.current().info.attempt, retryBackoff);
    }
  };
}
