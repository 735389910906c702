import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { ConfigError, temporalUiUrl, wavStoreSpec, type Config } from '../config';
import type { Logger } from '../lib';
import { Metrics, sdkMetricsSource } from '../metrics';
import type { SandboxOptions } from '../sandbox';
import type { AppDeps } from '../server';
import type { StartOptions } from '../conversions';
import { createS3Client, FileStore, S3Store, type WavStore } from '../download';
import { ProviderApi } from '../provider';
import { freePort } from '../local-servers';
import { installTemporalRuntime } from '../temporal';
import { resolveBuildId } from '../versioning';
import { workerTuning, type WorkerOptions } from './worker';

/** Wiring shared by the entry points: every long-lived dependency built from the configuration. */

export const projectDir = resolve(__dirname, '../..');
export const inProject = (path: string) => resolve(projectDir, path);

/**
 * Production must set CALLBACK_SECRET. In development a random one is kept in `.data/` so callback
 * URLs handed out before a restart still verify after it.
 */
export async function resolveCallbackSecret(config: Config): Promise<string> {
  if (config.CALLBACK_SECRET) return config.CALLBACK_SECRET;
  if (config.NODE_ENV === 'production') throw new ConfigError('CALLBACK_SECRET is required in production');
  const file = inProject('.data/callback-secret');
  const existing = await readFile(file, 'utf8').catch(() => '');
  if (existing.trim().length >= 16) return existing.trim();
  const secret = randomBytes(32).toString('base64url');
  await mkdir(dirname(file), { recursive: true });
  // Written whole, then linked into place (which fails if it exists): a server and a worker
  // started together end up with the same secret, and neither reads a half-written file.
  const draft = `${file}.${process.pid}`;
  await writeFile(draft, secret, { mode: 0o600 });
  try {
    await link(draft, file);
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return (await readFile(file, 'utf8')).trim();
  } finally {
    await rm(draft, { force: true });
  }
}

/** Where the sandbox provider is when no provider key is set. */
const sandboxBaseUrl = (config: Config, sandboxUrl?: string) => sandboxUrl ?? config.PROVIDER_BASE_URL ?? `http://127.0.0.1:${config.SANDBOX_PORT}`;

/** The configured provider, or the sandbox at `sandboxUrl` when no provider key is set. */
export function providerApi(config: Config, sandboxUrl?: string): ProviderApi {
  if (config.PROVIDER_API_KEY) {
    if (!config.PROVIDER_BASE_URL) throw new ConfigError('PROVIDER_BASE_URL is required with PROVIDER_API_KEY');
    return new ProviderApi({
      baseUrl: config.PROVIDER_BASE_URL,
      apiKey: config.PROVIDER_API_KEY,
      variant: config.PROVIDER_VARIANT,
      timeoutMs: config.PROVIDER_TIMEOUT_MS,
    });
  }
  return new ProviderApi({
    baseUrl: sandboxBaseUrl(config, sandboxUrl),
    apiKey: config.SANDBOX_API_KEY,
    variant: config.SANDBOX_VARIANT,
    timeoutMs: config.PROVIDER_TIMEOUT_MS,
  });
}

export const startDefaults = (config: Config, startedBy: string): StartOptions => ({
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  defaultPollIntervalSeconds: config.POLL_INTERVAL_SECONDS,
  defaultDeadlineSeconds: config.CONVERSION_DEADLINE_SECONDS,
  defaultConfirmCallbacks: config.CONFIRM_CALLBACKS,
  startedBy,
});

/**
 * For a process that runs a worker: installs the Temporal runtime (logs through pino, the SDK's
 * metrics on a loopback Prometheus exporter) and returns a registry whose scrape includes the
 * SDK's metrics after wavflow's own.
 */
export async function workerTelemetry(logger: Logger): Promise<Metrics> {
  const bindAddress = `127.0.0.1:${await freePort()}`;
  installTemporalRuntime({ logger, metricsBindAddress: bindAddress });
  const metrics = new Metrics({ processMetrics: true });
  metrics.addSource(sdkMetricsSource(bindAddress));
  return metrics;
}

/** The Worker Deployment Version this process's worker is (Worker Versioning is always on). */
export const workerDeployment = (config: Config) => ({ deploymentName: config.WORKER_DEPLOYMENT_NAME, buildId: resolveBuildId(config.WORKER_BUILD_ID) });

/** Everything a worker process needs, from the configuration. */
export async function workerOptions(
  config: Config,
  connection: NativeConnection,
  publicUrl: string,
  { sandboxUrl, metrics }: { sandboxUrl?: string | undefined; metrics?: Metrics | undefined } = {},
): Promise<WorkerOptions> {
  return {
    connection,
    metrics,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    providerRatePerSecond: config.PROVIDER_RATE_LIMIT_PER_SECOND,
    tuning: workerTuning(config),
    deployment: workerDeployment(config),
    activities: {
      provider: providerApi(config, sandboxUrl),
      publicBaseUrl: publicUrl,
      callbackSecret: await resolveCallbackSecret(config),
      download: {
        store: wavStore(config),
        addressPolicy: {
          allowPrivate: config.DOWNLOAD_ALLOW_PRIVATE_ADDRESSES,
          // Without a provider key the files come from the sandbox, on this machine: its host and
          // port only, not the API or Temporal beside it.
          allowedHosts: [...config.DOWNLOAD_ALLOWED_HOSTS, ...(config.PROVIDER_API_KEY ? [] : [new URL(sandboxBaseUrl(config, sandboxUrl)).host])],
        },
        maxBytes: config.DOWNLOAD_MAX_BYTES,
        minFreeBytes: config.DOWNLOAD_MIN_FREE_BYTES,
        connectTimeoutMs: config.DOWNLOAD_CONNECT_TIMEOUT_MS,
        idleTimeoutMs: config.DOWNLOAD_IDLE_TIMEOUT_MS,
      },
      retryBackoff: { baseMs: config.PROVIDER_RETRY_BASE_MS, maxMs: config.PROVIDER_RETRY_MAX_MS },
    },
  };
}

/** The configured WAV store (WAV_STORE): the worker writes to it, the API serves from it. */
export function wavStore(config: Config): WavStore {
  const spec = wavStoreSpec(config);
  if (spec.kind === 'file') return new FileStore(inProject(spec.dir));
  return new S3Store({
    client: createS3Client({ endpoint: config.AWS_ENDPOINT_URL, region: config.AWS_REGION, forcePathStyle: config.WAV_S3_FORCE_PATH_STYLE }),
    bucket: spec.bucket,
    prefix: spec.prefix,
    partBytes: config.WAV_S3_PART_MIB * 1024 ** 2,
    urlTtlSeconds: config.WAV_URL_TTL_SECONDS,
  });
}

/** The provider's own callback signature, where it is configured. */
export const webhookOptions = (config: Config) =>
  config.PROVIDER_WEBHOOK_HMAC_KEY ? { hmacKey: config.PROVIDER_WEBHOOK_HMAC_KEY, replayWindowSeconds: config.WEBHOOK_REPLAY_WINDOW_SECONDS } : undefined;

/** The HTTP app's dependencies from the configuration, for `wavflow server` and `npm start`. */
export async function appOptions(config: Config, client: Client, logger: Logger, metrics?: Metrics): Promise<AppDeps> {
  return {
    metrics,
    client,
    namespace: config.TEMPORAL_NAMESPACE,
    callbackSecret: await resolveCallbackSecret(config),
    temporalUiUrl: temporalUiUrl(config),
    start: startDefaults(config, 'api'),
    logger,
    webhook: webhookOptions(config),
    apiToken: config.API_TOKEN,
    store: wavStore(config),
    callbackLimit: { burst: config.CALLBACK_LIMIT_BURST, refillSeconds: config.CALLBACK_LIMIT_REFILL_SECONDS },
  };
}

/** The sandbox provider from the configuration, for `wavflow sandbox` and `npm start`. */
export const sandboxOptions = (config: Config): SandboxOptions => ({
  apiKey: config.SANDBOX_API_KEY,
  variant: config.SANDBOX_VARIANT,
  conversionDelayMs: config.SANDBOX_CONVERSION_DELAY_MS,
  wavSeconds: config.SANDBOX_WAV_SECONDS,
  timeScale: config.SANDBOX_TIME_SCALE,
  port: config.SANDBOX_PORT,
  // Signs its callbacks the way the receiver will check them.
  webhookHmacKey: config.PROVIDER_WEBHOOK_HMAC_KEY,
});

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignalled(): Promise<void> {
  return new Promise((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
  });
}
