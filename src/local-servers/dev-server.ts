import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { searchAttributeNames } from '../workflows';
import { openConnection, registerSearchAttributes } from '../temporal';
import { isListening } from './ports';
import { ServiceProcess } from './service-process';

export interface DevServerOptions {
  cliPath: string;
  host?: string;
  port: number;
  /** null runs the server headless (no Web UI). */
  uiPort: number | null;
  /** SQLite file; in memory when absent. */
  dbFile?: string | undefined;
  namespace: string;
  /** Where the server's own output goes; discarded when absent. */
  logFile?: string | undefined;
  log: (message: string) => void;
  startTimeoutMs?: number;
  /** Serve the server's own Prometheus metrics (`/metrics`) on this port; benchmarks count with them. */
  metricsPort?: number | undefined;
}

export interface DevServer {
  address: string;
  uiUrl: string | undefined;
  /** True when a server was already listening and was reused (stop() then leaves it alone). */
  reused: boolean;
  /** The server's process id (undefined when reused): benchmarks read its CPU time. */
  pid?: number | undefined;
  stop(): Promise<void>;
}

/**
 * The dev server has one history shard, whose transfer queue (what hands new workflow and activity
 * tasks to matching) is read at most `history.transferProcessorMaxPollRPS` times a second, 20 by
 * default: under a steady flow every task then waits for the next 50 ms tick, and a callback took
 * about 190 ms to become a running download (four dispatches) instead of about 30 ms
 * (`npm run bench`, reaction phase, 10 callbacks a second). 200 keeps that gain; 1,000 did too but
 * cost the dev server half again as much CPU per conversion when busy.
 */
/*
 * `system.enableActivityEagerExecution`: a workflow task that schedules the download may hand it
 * to the worker that completes it, in its answer, instead of through matching (the SDK asks for it
 * by default; the server refuses unless this is on). bench:download measures it.
 */
export const DEV_SERVER_DYNAMIC_CONFIG = { 'history.transferProcessorMaxPollRPS': 200, 'system.enableActivityEagerExecution': true } as const;

/**
 * Starts `temporal server start-dev` with wavflow's search attributes, or reuses a server that is
 * already listening on the address (registering the search attributes there if needed).
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const host = options.host ?? '127.0.0.1';
  const address = `${host}:${options.port}`;
  const uiUrl = options.uiPort === null ? undefined : `http://${host}:${options.uiPort}`;

  if (await isListening(host, options.port)) {
    options.log(`Temporal already listening on ${address}; reusing it`);
    await ensureSearchAttributes(address, options.namespace, 10_000);
    return { address, uiUrl, reused: true, stop: async () => {} };
  }

  const args = ['server', 'start-dev', '--ip', host, '--port', String(options.port), '--namespace', options.namespace, '--log-level', 'warn'];
  if (options.uiPort === null) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort));
  if (options.metricsPort !== undefined) args.push('--metrics-port', String(options.metricsPort));
  if (options.dbFile) {
    await mkdir(dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  for (const name of searchAttributeNames) args.push('--search-attribute', `${name}=Keyword`);
  for (const [key, value] of Object.entries(DEV_SERVER_DYNAMIC_CONFIG)) args.push('--dynamic-config-value', `${key}=${value}`);

  options.log(`starting Temporal dev server on ${address}${options.dbFile ? ` (state in ${options.dbFile})` : ''}`);
  if (options.logFile) await mkdir(dirname(options.logFile), { recursive: true });
  // Its own process group: a terminal's Ctrl-C reaches us, and we stop the server last, in order.
  const server = new ServiceProcess('temporal server start-dev', { command: options.cliPath, args, logFile: options.logFile, stopSignal: 'SIGTERM' });
  server.start();
  const stop = () => server.stop(STOP_GRACE_MS);
  try {
    await server.untilReady(ensureSearchAttributes(address, options.namespace, options.startTimeoutMs ?? 60_000));
  } catch (err) {
    await stop();
    throw err;
  }
  return { address, uiUrl, reused: false, pid: server.pid, stop };
}

/** How long a server has to stop after SIGTERM before it is killed. */
const STOP_GRACE_MS = 10_000;

/** Waits until the frontend answers, then registers any missing wavflow search attribute. */
export async function ensureSearchAttributes(address: string, namespace: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const connection = await openConnection({ address, connectTimeout: 2_000 });
      try {
        await registerSearchAttributes(connection, namespace);
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`Temporal at ${address} not ready: ${err instanceof Error ? err.message : String(err)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
