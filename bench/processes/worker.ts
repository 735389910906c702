import type { WorkerDeploymentVersion } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import pino from 'pino';
import { createS3Client, FileStore, S3Store, type PartialWrite, type WavStore } from '../../src/download';
import { ProviderApi } from '../../src/provider';
import { Metrics } from '../../src/metrics';
import { freePort } from '../../src/local-servers';
import { installTemporalRuntime } from '../../src/temporal';
import { createWorker, type WorkerTuning } from '../../src/app';
import { createBaselineWorker } from './baseline-worker';

/**
 * One wavflow worker in a process of its own, started by bench/download.ts and bench/pipeline.ts:
 * its memory and CPU time are then the worker's alone, and a benchmark can SIGKILL it in the
 * middle of a download.
 */

/** Passed by the parent in the WAVFLOW_BENCH_WORKER environment variable, as JSON. */
export interface WorkerProcessConfig {
  temporalAddress: string;
  taskQueue: string;
  workflowBundlePath: string;
  sandboxUrl: string;
  sandboxApiKey: string;
  outputDir: string;
  /** Write into this S3 bucket instead of `outputDir` (bench:download's S3 rounds). */
  s3?: { endpoint: string; bucket: string; prefix: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  /** `baseline`: bench/baseline-workflow.ts (from workflowBundlePath) instead of convertToWav. */
  kind?: 'wavflow' | 'baseline';
  /** The callback receiver; absent when callbacks are dropped. */
  publicBaseUrl?: string;
  callbackSecret?: string;
  /** Default 1,000/s: provider calls are not what a benchmark measures. */
  providerRatePerSecond?: number;
  tuning?: WorkerTuning;
  /** Report when each download writes and commits (bench:download); default true. */
  timedStore?: boolean;
  /** Level of the SDK's own log (default ERROR). */
  logLevel?: 'ERROR' | 'WARN' | 'INFO';
  /**
   * Worker Versioning as in production (conversions pinned to this build, which makes itself its
   * deployment's Current Version before the worker says it is ready); absent: unversioned.
   */
  deployment?: WorkerDeploymentVersion;
}

/** What the child tells the parent over IPC. `at` is Date.now() in the child (same clock). */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'store'; event: StoreEvent; key: string; at: number };

/** write: the body starts streaming into the store; commit: the flush (fsync, last parts) starts; committed: the file is visible. */
export type StoreEvent = 'write' | 'commit' | 'committed';

const send = (message: WorkerMessage) => process.send?.(message);

/**
 * The real store, reporting when the body starts streaming, when the flush and commit start and
 * when they end: that splits the activity's time without touching its code.
 */
function timedStore(store: WavStore): WavStore {
  const at = (event: StoreEvent, key: string) => send({ type: 'store', event, key, at: Date.now() });
  return {
    location: (name) => store.location(name),
    hasPartial: (name) => store.hasPartial(name),
    resumeRecord: (name) => store.resumeRecord(name),
    discardPartial: (name) => store.discardPartial(name),
    committed: (name) => store.committed(name),
    access: (name, options) => store.access(name, options),
    freeBytes: () => store.freeBytes(),
    async resume(name, saved) {
      const partial = await store.resume(name, saved);
      let writing = false;
      const timed: PartialWrite = {
        get offset() {
          return partial.offset;
        },
        write(chunk) {
          if (!writing) at('write', name);
          writing = true;
          return partial.write(chunk);
        },
        restart: () => partial.restart(),
        checkpoint: () => partial.checkpoint(),
        kept: () => partial.kept(),
        keepNote: (note) => partial.keepNote(note),
        finish() {
          at('commit', name);
          return partial.finish();
        },
        async commit(verified) {
          const location = await partial.commit(verified);
          at('committed', name);
          return location;
        },
        close: () => partial.close(),
        discard: () => partial.discard(),
      };
      return timed;
    },
  };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.WAVFLOW_BENCH_WORKER ?? '') as WorkerProcessConfig;
  // As in production (`wavflow worker`): pino through the Temporal runtime, the SDK's Prometheus
  // exporter, wavflow's registry; only the log destination differs (nobody reads it here).
  const logger = pino({ level: (config.logLevel ?? 'ERROR').toLowerCase() }, pino.destination({ dest: '/dev/null', sync: false }));
  installTemporalRuntime({ logger, metricsBindAddress: `127.0.0.1:${await freePort()}` });
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const providerRatePerSecond = config.providerRatePerSecond ?? 1_000;
  const worker =
    config.kind === 'baseline'
      ? await createBaselineWorker({ connection, taskQueue: config.taskQueue, workflowBundlePath: config.workflowBundlePath, providerRatePerSecond, tuning: config.tuning, deployment: config.deployment })
      : await createWavflowWorker(config, connection, providerRatePerSecond);
  const running = worker.run();
  // New workflows reach a versioned worker only once its build is current.
  await Promise.race([worker.versioned(), running]);
  const stop = () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
  };
  process.once('SIGTERM', stop);
  // The parent went away (crashed or killed): do not outlive it.
  process.once('disconnect', stop);
  send({ type: 'ready' });
  await running;
  await connection.close();
  process.exit(0);
}

function createWavflowWorker(config: WorkerProcessConfig, connection: NativeConnection, providerRatePerSecond: number) {
  return createWorker({
    connection,
    namespace: 'default',
    taskQueue: config.taskQueue,
    metrics: new Metrics(),
    workflowBundlePath: config.workflowBundlePath,
    activities: {
      // Long timeout: the sandbox synthesizes the 1 GiB file in its event loop before it answers again.
      provider: new ProviderApi({ baseUrl: config.sandboxUrl, apiKey: config.sandboxApiKey, variant: 'sunoapi', timeoutMs: 120_000 }),
      // bench:download's sandbox drops callbacks for its track (conversions finish by polling).
      publicBaseUrl: config.publicBaseUrl ?? 'http://127.0.0.1:9',
      callbackSecret: config.callbackSecret ?? 'bench',
      download: {
        store: config.timedStore === false ? storeOf(config) : timedStore(storeOf(config)),
        // As in production with the sandbox: only its host and port are allowed to be internal.
        addressPolicy: { allowPrivate: false, allowedHosts: [new URL(config.sandboxUrl).host] },
        // The production defaults (DOWNLOAD_* in src/config/config.ts).
        maxBytes: 4 * 1024 ** 3,
        minFreeBytes: 256 * 1024 ** 2,
        connectTimeoutMs: 10_000,
        idleTimeoutMs: 30_000,
      },
      retryBackoff: { baseMs: 20, maxMs: 200 },
    },
    providerRatePerSecond,
    tuning: config.tuning,
    deployment: config.deployment,
    currentVersion: 'always',
  });
}

/** The production store for the configuration: a directory, or a bucket with 8 MiB parts (WAV_S3_PART_MIB's default). */
function storeOf(config: WorkerProcessConfig): WavStore {
  if (!config.s3) return new FileStore(config.outputDir);
  const { endpoint, bucket, prefix, credentials } = config.s3;
  return new S3Store({ client: createS3Client({ endpoint, credentials }), bucket, prefix, partBytes: 8 * 1024 ** 2, urlTtlSeconds: 300 });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
