import { Context } from '@temporalio/activity';
import type { Metrics } from '../metrics';
import type { ProviderClient, ProviderRecord } from '../provider';
import { interpretRecord } from '../workflows/answers';
import { toApplicationFailure, type RetryBackoff } from './provider-failure';

export interface PollDeps {
  provider: ProviderClient;
  retryBackoff: RetryBackoff;
  metrics: Metrics;
}

export function createPollConversion({ provider, retryBackoff, metrics }: PollDeps) {
  return async function pollConversion({ wavTaskId }: { wavTaskId: string }): Promise<ProviderRecord> {
    try {
      const record = await provider.recordInfo(wavTaskId, Context.current().cancellationSignal);
      metrics.polls.inc({ answer: interpretRecord(record).kind });
      return record;
    } catch (err) {
      metrics.polls.inc({ answer: 'error' });
      throw toApplicationFailure(err, Context.current().info.attempt, retryBackoff);
    }
  };
}
