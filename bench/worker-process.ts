import type { Writable } from 'node:stream';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { LocalDirectoryStore } from '../src/download';
import { ProviderClient } from '../src/provider';
import { createWorker } from '../src/worker';

/**
 * One wavflow worker in a process of its own, started by bench/download.ts: its memory is then the
 * worker's alone, and the benchmark can SIGKILL it in the middle of a download.
 */

/** Passed by the parent in the WAVFLOW_BENCH_WORKER environment variable, as JSON. */
export interface WorkerProcessConfig {
  temporalAddress: string;
  taskQueue: string;
  workflowBundlePath: string;
  sandboxUrl: string;
  sandboxApiKey: string;
  outputDir: string;
}

/** What the child tells the parent over IPC. `at` is Date.now() in the child (same clock). */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'store'; event: StoreEvent; key: string; at: number };

/** write: the body starts streaming into the .part file; commit: fsync + rename start; committed: done. */
export type StoreEvent = 'write' | 'commit' | 'committed';

const send = (message: WorkerMessage) => process.send?.(message);

/**
 * The real store, reporting when the body starts streaming and when the commit (fsync, rename)
 * starts and ends: that splits the activity's time without touching its code.
 */
class TimedStore extends LocalDirectoryStore {
  override writePartial(key: string, append: boolean): Writable {
    send({ type: 'store', event: 'write', key, at: Date.now() });
    return super.writePartial(key, append);
  }

  override async commit(key: string): Promise<string> {
    send({ type: 'store', event: 'commit', key, at: Date.now() });
    const location = await super.commit(key);
    send({ type: 'store', event: 'committed', key, at: Date.now() });
    return location;
  }
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.WAVFLOW_BENCH_WORKER ?? '') as WorkerProcessConfig;
  // After SIGKILL the retried activity logs its heartbeat timeout at WARN: expected here.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const worker = await createWorker({
    connection,
    namespace: 'default',
    taskQueue: config.taskQueue,
    workflowBundlePath: config.workflowBundlePath,
    activities: {
      // Long timeout: the sandbox synthesizes the 1 GiB file in its event loop before it answers again.
      provider: new ProviderClient({ baseUrl: config.sandboxUrl, apiKey: config.sandboxApiKey, variant: 'sunoapi', timeoutMs: 120_000 }),
      // The sandbox drops callbacks for the benchmark's track (conversions finish by polling).
      publicBaseUrl: 'http://127.0.0.1:9',
      callbackSecret: 'bench',
      download: {
        store: new TimedStore(config.outputDir),
        // As in production with the sandbox: only its host name is allowed to be internal.
        addressPolicy: { allowPrivate: false, allowedHosts: ['localhost'] },
        // The production defaults (DOWNLOAD_* in src/config.ts).
        maxBytes: 4 * 1024 ** 3,
        minFreeBytes: 256 * 1024 ** 2,
        connectTimeoutMs: 10_000,
        idleTimeoutMs: 30_000,
      },
      retryBackoff: { baseMs: 20, maxMs: 200 },
    },
    providerRatePerSecond: 1_000,
  });
  const running = worker.run();
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

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
