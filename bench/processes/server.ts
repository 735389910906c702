import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { createApp, listen } from '../../src/server';
import type { StartOptions } from '../../src/conversions';
import type { CallbackLimit } from '../../src/server/callback-budget';

/**
 * wavflow's HTTP server (callback receiver and conversions API) in a process of its own, started
 * by bench/pipeline.ts, as in production: its CPU time is then the receiver's alone.
 */

/** Passed by the parent in WAVFLOW_BENCH_SERVER, as JSON. */
export interface ServerProcessConfig {
  temporalAddress: string;
  callbackSecret: string;
  /** How POST /v1/conversions starts conversions. */
  start: StartOptions;
  logLevel: string;
  /** The per-conversion callback budget; the configuration's default when absent. */
  callbackLimit?: CallbackLimit;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.WAVFLOW_BENCH_SERVER ?? '') as ServerProcessConfig;
  const connection = await Connection.connect({ address: config.temporalAddress });
  const client = new Client({ connection });
  // Logging stays on, as in production, but into /dev/null: its cost is measured, not a terminal's.
  const logger = pino({ level: config.logLevel }, pino.destination({ dest: '/dev/null', sync: false }));
  const server = await listen(
    createApp({ client, namespace: 'default', callbackSecret: config.callbackSecret, temporalUiUrl: 'http://127.0.0.1:8233', start: config.start, logger, callbackLimit: config.callbackLimit }),
    0,
    '127.0.0.1',
  );
  const stop = () =>
    void server
      .close(2_000)
      .then(() => connection.close())
      .finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('disconnect', stop);
  process.send?.({ type: 'ready', url: server.url });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
