import { TemporalConnectionError } from './connection';

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
