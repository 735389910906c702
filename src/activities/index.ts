import type { ProviderClient } from '../provider';
import { createDownloadWav } from './download';
import { createPollConversion } from './poll';
import { createSubmitConversion } from './submit';

export interface ActivityDeps {
  provider: ProviderClient;
  publicBaseUrl: string;
  callbackSecret: string;
  outputDir: string;
}

/** Activity factory: dependencies are injected once, when the worker starts. */
export function createActivities(deps: ActivityDeps) {
  return {
    submitConversion: createSubmitConversion(deps),
    pollConversion: createPollConversion(deps),
    downloadWav: createDownloadWav(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { SubmitInput } from './submit';
export type { DownloadInput } from './download';
