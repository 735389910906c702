export { Metrics, type CallbackOutcome, type ConversionOutcome, type DownloadOutcome, type MetricsOptions } from './metrics';
export { metricsHandler, sdkMetricsSource, workerMetricsApp } from './exposition';
