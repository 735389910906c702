import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { explainConnectionError, TemporalConnectionError, type TemporalConnectionConfig } from './connection';

/**
 * Every connection wavflow opens to Temporal is opened in this file: the configured Temporal's
 * (clients, the worker, `wavflow setup`) from one resolved configuration (environment and
 * temporal.toml profile: address, namespace, TLS, mTLS, API key), and the local servers' own
 * (readiness probes, search attribute registration) from explicit options.
 */

/** A connection with exactly `options`: the local servers' probes and set-up. */
export function openConnection(options: ConnectionOptions): Promise<Connection> {
  return Connection.connect(options);
}

/**
 * The configured Temporal's connection (its workflow and operator services). A failure caused by
 * a setting (a wrong CA, a missing client certificate) is reported naming it.
 */
export function connectTemporal(settings: TemporalConnectionConfig): Promise<Connection> {
  return openConnection(settings.connection).catch(async (err: unknown) => {
    throw await explainConnectionError(err, settings);
  });
}

/** The worker's connection to the configured Temporal; a client on it starts conversions eagerly. */
export function connectWorker(settings: TemporalConnectionConfig): Promise<NativeConnection> {
  return NativeConnection.connect(settings.connection).catch(async (err: unknown) => {
    throw await explainConnectionError(err, settings);
  });
}

/** A Temporal Client of the configured namespace on `connection`. */
export function temporalClient(settings: TemporalConnectionConfig, connection: Connection | NativeConnection): Client {
  return new Client({ connection, namespace: settings.namespace });
}

/** A Temporal Client of the configured namespace, connected. */
export async function connectClient(settings: TemporalConnectionConfig): Promise<Client> {
  return temporalClient(settings, await connectTemporal(settings));
}

/** A Temporal Client that connects on first use: `wavflow server` listens even while Temporal is unreachable. */
export function lazyClient(settings: TemporalConnectionConfig): Client {
  return temporalClient(settings, Connection.lazy(settings.connection));
}

/**
 * Connects, and while Temporal is unreachable keeps trying (250 ms, doubling to 5 s): a worker
 * started before Temporal, or during an outage, comes up with it instead of exiting and waiting on
 * a supervisor's restart backoff. Every failure is reported, so a wrong address is visible; one
 * that names a setting (a wrong CA, a missing client certificate) ends the wait: retrying cannot fix it.
 * @returns undefined when `signal` aborts first
 */
export async function connectWithRetry<T>(
  connect: () => Promise<T>,
  options: { onFailure: (error: unknown, retryInMs: number) => void; signal?: AbortSignal; maxDelayMs?: number },
): Promise<T | undefined> {
  const maxDelayMs = options.maxDelayMs ?? 5_000;
  for (let delay = 250; !options.signal?.aborted; delay = Math.min(maxDelayMs, delay * 2)) {
    try {
      return await connect();
    } catch (err) {
      if (err instanceof TemporalConnectionError) throw err;
      if (options.signal?.aborted) break;
      options.onFailure(err, delay);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, delay);
        function done() {
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', done);
          resolve();
        }
        options.signal?.addEventListener('abort', done, { once: true });
      });
    }
  }
  return undefined;
}
