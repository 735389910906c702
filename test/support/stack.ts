import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import pino from 'pino';
import { startConversion, type StartConversionRequest, type StartOptions } from '../../src/conversions';
import type { ConversionInput } from '../../src/workflows';
import { readdir } from 'node:fs/promises';
import { FileStore, objectName, S3Store, type WavStore } from '../../src/download';
import { objectsUnder, testS3Store, uploadsUnder } from './s3';
import { Metrics } from '../../src/metrics';
import { ProviderApi } from '../../src/provider';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox';
import { createApp, listen, type CallbackLimit, type RunningServer } from '../../src/server';
import { createWorker } from '../../src/app';
import { quietTemporalRuntime } from './quiet-runtime';

export interface TestStack {
  client: Client;
  sandbox: Sandbox;
  server: RunningServer;
  taskQueue: string;
  /** The file store's directory (the S3 store's stacks have one too, unused). */
  outputDir: string;
  store: WavStore;
  callbackSecret: string;
  /** What the stack's app and worker counted (one registry, as in `npm start`). */
  metrics: Metrics;
  start(request: StartConversionRequest, options?: Partial<StartOptions>): ReturnType<typeof startConversion>;
  /**
   * What the store holds for a conversion besides its committed file: `.part` files, or multipart
   * uploads and objects other than the WAV and its verified record. Empty after any ending.
   */
  leftovers(conversionId: string): Promise<string[]>;
  /** Everything the store holds under a conversion's name (committed file included). */
  holdings(conversionId: string): Promise<string[]>;
  /** Stops the worker alone: the API keeps answering, with no worker polling the task queue. */
  stopWorker(): Promise<void>;
  stop(): Promise<void>;
}

/** What a test may change about its stack; everything else is as under `npm start`. */
export interface StackOptions {
  maxBytes?: number;
  minFreeBytes?: number;
  /** Another Temporal server than the shared one (a test that stops and restarts it). */
  temporalAddress?: string;
  apiToken?: string;
  /** Where downloads go: a local directory (default) or the shared SeaweedFS server. */
  store?: 'file' | 's3';
  /** More `host:port` pairs downloads may reach besides the sandbox's. */
  allowedHosts?: string[];
  /** The receiver's callback budget per conversion (default: the configuration's). */
  callbackLimit?: CallbackLimit;
  /** As under `npm start`: the API's client shares the worker's connection and starts eagerly. */
  eagerStart?: boolean;
}

/**
 * The real pipeline for one test file: the sandbox provider, the HTTP server and a worker on a
 * task queue of its own, all against the shared Temporal dev server started by global setup.
 */
export async function startStack(
  sandboxOptions: Partial<SandboxOptions> = {},
  input: Partial<ConversionInput> = {},
  stackOptions: StackOptions = {},
): Promise<TestStack> {
  const address = stackOptions.temporalAddress ?? process.env.WAVFLOW_TEST_TEMPORAL_ADDRESS;
  const workflowBundlePath = process.env.WAVFLOW_TEST_WORKFLOW_BUNDLE;
  if (!address || !workflowBundlePath) throw new Error('integration tests need the global setup (run them through jest)');

  quietTemporalRuntime();
  const sandbox = await startSandbox({
    apiKey: 'test-key',
    variant: 'sunoapi',
    conversionDelayMs: 100,
    wavSeconds: 0.25,
    timeScale: 0.001,
    publicHost: 'localhost',
    ...sandboxOptions,
  });
  const connection = await Connection.connect({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  const client = new Client({ connection: stackOptions.eagerStart ? nativeConnection : connection });
  const taskQueue = `test-${randomUUID()}`;
  const callbackSecret = randomBytes(24).toString('base64url');
  // Laid out like the default WAV_OUTPUT_DIR (.data/wav): a dot directory on the path.
  const outputRoot = await mkdtemp(join(tmpdir(), 'wavflow-test-wav-'));
  const outputDir = join(outputRoot, '.data', 'wav');
  const store = stackOptions.store === 's3' ? testS3Store() : new FileStore(outputDir);
  const logger = pino({ level: 'silent' });
  const metrics = new Metrics();
  const startOptions = { taskQueue, defaultPollIntervalSeconds: 60, startedBy: 'test', input, eagerStart: stackOptions.eagerStart };
  const server = await listen(
    createApp({
      client,
      namespace: 'default',
      callbackSecret,
      temporalUiUrl: 'http://127.0.0.1:8233',
      start: startOptions,
      logger,
      webhook: sandboxOptions.webhookHmacKey ? { hmacKey: sandboxOptions.webhookHmacKey, replayWindowSeconds: 300 } : undefined,
      apiToken: stackOptions.apiToken,
      metrics,
      store,
      callbackLimit: stackOptions.callbackLimit,
    }),
    0,
    '127.0.0.1',
  );
  const worker = await createWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowBundlePath,
    metrics,
    activities: {
      provider: new ProviderApi({ baseUrl: sandbox.url, apiKey: sandbox.apiKey, variant: sandboxOptions.variant ?? 'sunoapi', timeoutMs: 5_000 }),
      publicBaseUrl: server.url,
      callbackSecret,
      download: {
        store,
        // The sandbox is addressed as `localhost:<its port>`: allowed by name and port, while
        // other ports on this host and literal internal addresses (a redirect to 127.0.0.1 or
        // 169.254.169.254) stay forbidden.
        addressPolicy: { allowPrivate: false, allowedHosts: [new URL(sandbox.url).host, ...(stackOptions.allowedHosts ?? [])] },
        maxBytes: stackOptions.maxBytes ?? 64 * 1024 ** 2,
        minFreeBytes: stackOptions.minFreeBytes ?? 0,
        connectTimeoutMs: 5_000,
        idleTimeoutMs: 5_000,
      },
      retryBackoff: { baseMs: 20, maxMs: 200 },
    },
    // Tests run many conversions at once with short poll intervals.
    providerRatePerSecond: 1_000,
    // Versioned as in production; a deployment per stack, so stacks never route each other's tasks.
    deployment: { deploymentName: `test-${taskQueue.slice(5, 13)}`, buildId: 'test' },
    currentVersion: 'always',
  });
  const running = worker.run();
  // New conversions reach this stack's build only once it is its deployment's Current Version.
  await Promise.race([worker.versioned(), running]);

  return {
    client,
    sandbox,
    server,
    taskQueue,
    outputDir,
    store,
    callbackSecret,
    metrics,
    holdings: (conversionId) => holdings(store, conversionId),
    leftovers: async (conversionId) => {
      const name = objectName(conversionId);
      const committed = store instanceof S3Store ? [store.key(name), store.recordKey(name)] : [`${name}.wav`];
      return (await holdings(store, conversionId)).filter((k) => !committed.includes(k));
    },
    start: (request, options = {}) => startConversion(client, request, { ...startOptions, ...options }),
    stopWorker: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await nativeConnection.close();
      await server.close();
      await sandbox.close();
      await connection.close();
      await rm(outputRoot, { recursive: true, force: true });
    },
  };
}

async function holdings(store: WavStore, conversionId: string): Promise<string[]> {
  const name = objectName(conversionId);
  if (store instanceof S3Store) {
    const key = store.key(name);
    const [objects, uploads] = await Promise.all([objectsUnder(store), uploadsUnder(store)]);
    const own = [key, store.recordKey(name), store.tailKey(name), store.resumeKey(name)];
    return [...objects.filter((k) => own.includes(k)), ...uploads.filter((k) => k === key).map((k) => `upload ${k}`)];
  }
  const dir = (store as FileStore).dir;
  return (await readdir(dir).catch(() => [] as string[])).filter((f) => [`${name}.wav`, `${name}.wav.part`, `${name}.wav.part.json`].includes(f));
}

/** A unique source id per test, so conversions never collide across tests or runs. */
export const uniqueId = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;
