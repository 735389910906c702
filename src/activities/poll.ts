import { Context } from '@temporalio/activity';
import type { ProviderClient, ProviderRecord } from '../provider';
import { toApplicationFailure, type RetryBackoff } from './provider-failure';

export function createPollConversion({ provider, retryBackoff }: { provider: ProviderClient; retryBackoff: RetryBackoff }) {
  return async function pollConversion({ wavTaskId }: { wavTaskId: string }): Promise<ProviderRecord> {
    try {
      return await provider.recordInfo(wavTaskId, Context.current().cancellationSignal);
    } catch (err) {
      throw toApplicationFailure(err, Context.current().info.attempt, retryBackoff);
    }
  };
}
