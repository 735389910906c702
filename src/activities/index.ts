import type { Metrics } from '../metrics';
import type { ProviderApi } from '../provider';
import { createDiscardPartialWav, createDownloadWav, type DownloadDeps } from './download';
import { createPollConversion } from './poll';
import type { RetryBackoff } from './provider-failure';
import { createSubmitConversion } from './submit';

export interface ActivityDeps {
  provider: ProviderApi;
  publicBaseUrl: string;
  callbackSecret: string;
  download: DownloadDeps;
  /** Backoff of retryable provider refusals (rate limits, outages). */
  retryBackoff: RetryBackoff;
}

/** What the activities count in: the worker process's registry. */
export interface ActivityMetrics {
  metrics: Metrics;
}

/** Activities that call the provider: they run on the rate-limited provider queue. */
export function createProviderActivities(deps: ActivityDeps & ActivityMetrics) {
  return {
    submitConversion: createSubmitConversion(deps),
    pollConversion: createPollConversion(deps),
  };
}

/** Activities that stay on the main queue, next to the workflows. */
export function createFileActivities(deps: ActivityDeps & ActivityMetrics) {
  return {
    downloadWav: createDownloadWav(deps.download, deps.metrics),
    discardPartialWav: createDiscardPartialWav(deps.download.store),
  };
}

export type Activities = ReturnType<typeof createProviderActivities> & ReturnType<typeof createFileActivities>;
export type { RetryBackoff } from './provider-failure';
export type { DownloadDeps } from './download';
export type * from './types';
export { activityLogAttributes } from './log-attributes';
