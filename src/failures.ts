/**
 * Every failure type a conversion can end with, in one place. Activities throw them as
 * ApplicationFailure types, the workflow rethrows them, and the README documents them.
 * Pure constants: imported by workflow code too.
 */
export const FailureType = {
  // Provider answered that the conversion itself failed.
  SourceRejected: 'SourceRejected', // callback 400: parameter error or unsupported source format
  SourceDownloadFailed: 'SourceDownloadFailed', // callback 451: provider could not fetch the source audio
  ProviderConversionError: 'ProviderConversionError', // callback 500/501 or any other non-200 callback code
  CreateTaskFailed: 'CreateTaskFailed', // record-info CREATE_TASK_FAILED
  GenerateWavFailed: 'GenerateWavFailed', // record-info GENERATE_WAV_FAILED / GENERATE_AUDIO_FAILED / other *FAILED*
  CallbackException: 'CallbackException', // record-info CALLBACK_EXCEPTION without a URL
  ConversionTimedOut: 'ConversionTimedOut', // no terminal answer before the conversion deadline

  // Provider refused the request (submit or record-info).
  InvalidRequest: 'InvalidRequest', // 400, 413, 422 and other 4xx
  ProviderUnauthorized: 'ProviderUnauthorized', // 401, 403
  InsufficientCredits: 'InsufficientCredits', // 402, and 429 on sunoapi.org-style providers
  ProviderNotFound: 'ProviderNotFound', // 404
  ProviderFeatureDisabled: 'ProviderFeatureDisabled', // 505
  ProviderRateLimited: 'ProviderRateLimited', // 405, 430, and 429 on kie.ai-style providers (retried)
  ProviderUnavailable: 'ProviderUnavailable', // 455, 5xx, timeouts, network errors (retried)

  // Download.
  WavUrlExpired: 'WavUrlExpired', // file host answered 403/404/410
  NotAWavFile: 'NotAWavFile', // body is not a RIFF/WAVE file with fmt and data chunks
  TruncatedDownload: 'TruncatedDownload', // fewer bytes than announced (retried: the next attempt starts again)
  DownloadFailed: 'DownloadFailed', // any other HTTP or network failure (retried, resuming)
  ForbiddenDownloadAddress: 'ForbiddenDownloadAddress', // URL or redirect leads to a private/internal address or a non-http scheme
  NotHttpResponse: 'NotHttpResponse', // the file URL's server answered something that is not HTTP (a gRPC, SSH or database port)
  DownloadTooLarge: 'DownloadTooLarge', // larger than DOWNLOAD_MAX_BYTES
  InsufficientStorage: 'InsufficientStorage', // free disk below what the file needs plus the margin (retried later)
} as const;

export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** Types that no retry can fix: the activity fails at once and the workflow fails with it. */
export const nonRetryableFailureTypes: readonly FailureType[] = [
  FailureType.InvalidRequest,
  FailureType.ProviderUnauthorized,
  FailureType.InsufficientCredits,
  FailureType.ProviderNotFound,
  FailureType.ProviderFeatureDisabled,
  FailureType.WavUrlExpired,
  FailureType.NotAWavFile,
  FailureType.ForbiddenDownloadAddress,
  FailureType.NotHttpResponse,
  FailureType.DownloadTooLarge,
];
