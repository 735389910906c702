import { Context } from '@temporalio/activity';
import type { Metrics } from '../metrics';
import type { ProviderApi } from '../provider';
import { toApplicationFailure, type RetryBackoff } from './provider-failure';
import type { PollInput, ProviderRecord } from './types';

export interface PollDeps {
  provider: ProviderApi;
  retryBackoff: RetryBackoff;
  metrics: Metrics;
}

/**
 * One record-info call. What its answer means is the workflow's to decide (and to count); the
 * activity counts only the calls that failed.
 */
export function createPollConversion({ provider, retryBackoff, metrics }: PollDeps) {
  return async function pollConversion({ wavTaskId }: PollInput): Promise<ProviderRecord> {
    try {
      return await provider.recordInfo(wavTaskId, Context.current().cancellationSignal);
    } catch (err) {
      metrics.polls.inc({ answer: 'error' });
      throw toApplicationFailure(err, Context.current().info.attempt, retryBackoff);
    }
  };
}
