import { Context } from '@temporalio/activity';
import type { ProviderClient, ProviderRecord } from '../provider';
import { toApplicationFailure } from './provider-failure';

export function createPollConversion({ provider }: { provider: ProviderClient }) {
  return async function pollConversion({ wavTaskId }: { wavTaskId: string }): Promise<ProviderRecord> {
    try {
      return await provider.recordInfo(wavTaskId, Context.current().cancellationSignal);
    } catch (err) {
      throw toApplicationFailure(err);
    }
  };
}
