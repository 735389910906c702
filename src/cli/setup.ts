import type { Config } from '../config';
import { connectTemporal, connectWithRetry, setUpNamespace, type SetupReport } from '../temporal';

export interface SetupCommandOptions {
  retentionDays: number;
  timeoutSeconds: number;
  log: (message: string) => void;
}

/**
 * `wavflow setup`: readies the configured namespace on whichever Temporal the configuration
 * reaches (the harness, compose, Kubernetes, Temporal Cloud). Waits for Temporal to come up, since
 * a deployment runs it as soon as the server starts.
 */
export async function runSetup(config: Config, options: SetupCommandOptions): Promise<SetupReport> {
  const connection = await connectWithRetry(() => connectTemporal(config.temporal), {
    signal: AbortSignal.timeout(options.timeoutSeconds * 1000),
    onFailure: (err, retryInMs) => options.log(`Temporal at ${config.temporal.address} not reachable yet (${err instanceof Error ? err.message : String(err)}); retrying in ${retryInMs} ms`),
  });
  if (!connection) throw new Error(`Temporal at ${config.temporal.address} was not reachable within ${options.timeoutSeconds} s`);
  try {
    return await setUpNamespace(connection, {
      namespace: config.temporal.namespace,
      retentionDays: options.retentionDays,
      timeoutMs: options.timeoutSeconds * 1000,
      log: options.log,
    });
  } finally {
    await connection.close();
  }
}
