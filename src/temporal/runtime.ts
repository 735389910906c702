import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import type { Logger } from '../lib';

const LEVELS = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/**
 * The Temporal SDK's logger interface over pino: workflow logs (through the SDK's logger sink),
 * activity context logs and the Rust core's own lines all become pino JSON lines, with the
 * workflow id, activity type and the like the SDK attaches as fields.
 */
export class PinoTemporalLogger implements TemporalLogger {
  constructor(private readonly logger: Logger) {}

  log(level: LogLevel, message: string, meta: LogMetadata = {}): void {
    const { error, ...fields } = meta as Record<string, unknown>;
    // pino serializes errors (message, type, stack) under `err`.
    if (error !== undefined) fields.err = error;
    // The worker's own INFO lines (bundle built, state changed, ...) are start-up noise next to
    // the conversions' lines; LOG_LEVEL=debug shows them.
    // The provider queue's worker has no workflows by design, which the SDK warns about.
    const startupNoise =
      (level === 'INFO' && (fields.sdkComponent === 'worker' || fields.sdkComponent === 'core')) || message.startsWith('No workflows registered');
    const quieted = startupNoise ? 'DEBUG' : level;
    this.logger[LEVELS[quieted]](fields, message);
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }

  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }

  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }

  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }

  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

export interface TemporalRuntimeOptions {
  logger: Logger;
  /** host:port for the SDK's Prometheus exporter; no SDK metrics without it. */
  metricsBindAddress?: string | undefined;
}

/**
 * Installs the process-wide Temporal runtime (before any worker connection): logs through pino,
 * the core's own warnings included, and the SDK's metrics on a Prometheus endpoint.
 */
export function installTemporalRuntime({ logger, metricsBindAddress }: TemporalRuntimeOptions): void {
  Runtime.install({
    logger: new PinoTemporalLogger(logger),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN', other: 'WARN' }), forward: {} },
      ...(metricsBindAddress
        ? { metrics: { prometheus: { bindAddress: metricsBindAddress, countersTotalSuffix: true, useSecondsForDurations: true } } }
        : {}),
    },
  });
}
