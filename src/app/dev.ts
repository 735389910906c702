import type { Client } from '@temporalio/client';
import { conversionUiUrl, startConversion, watchConversion } from '../conversions';
import { publicBaseUrl, temporalUiUrl, type Config } from '../config';
import { createLogger } from '../lib';
import { startSandbox, type Sandbox } from '../sandbox';
import { createApp, listen } from '../server';
import { objectName } from '../download';
import { appOptions, inProject, projectDir, sandboxOptions, startDefaults, untilSignalled, wavStore, workerOptions, workerTelemetry } from './services';
import { obtainTemporalCli, startDevServer } from '../local-servers';
import { connectWorker, temporalClient } from '../temporal';
import { parseWavHeader } from '../wav';
import { DEV_MACHINE_VERSIONING } from '../versioning';
import { createWorker } from './worker';

const say = (message: string) => console.log(`wavflow | ${message}`);

/**
 * `npm start`: the whole stack on one machine (Temporal dev server, sandbox provider when no key is
 * configured, worker, HTTP server), one demo conversion, then it runs until Ctrl-C, which stops
 * everything it started and nothing else.
 */
export async function runDev(config: Config): Promise<void> {
  const logger = createLogger(config.LOG_LEVEL);
  // One registry for the worker and the API: the API's /metrics shows both, and the SDK's.
  const metrics = await workerTelemetry(logger);
  const cleanups: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => logger.warn({ err }, 'while stopping'));
  };

  try {
    const cliPath = await obtainTemporalCli({ projectDir, explicitPath: config.TEMPORAL_CLI_PATH, log: say });
    const [host, port] = splitAddress(config.TEMPORAL_ADDRESS);
    const temporal = await startDevServer({
      cliPath,
      host,
      port,
      uiPort: config.TEMPORAL_UI_PORT,
      dbFile: inProject(config.TEMPORAL_DB_FILE),
      namespace: config.TEMPORAL_NAMESPACE,
      logFile: inProject('.data/temporal.log'),
      log: say,
    });
    cleanups.push(() => temporal.stop());

    let sandbox: Sandbox | undefined;
    if (!config.PROVIDER_API_KEY) {
      sandbox = await startSandbox(sandboxOptions(config));
      const running = sandbox;
      cleanups.push(() => running.close());
      say(`sandbox provider (no PROVIDER_API_KEY set) on ${sandbox.url}`);
    }

    const connection = await connectWorker(config.temporal);
    cleanups.push(() => connection.close());
    // The API shares the worker's connection: its starts are eager, handing each conversion's
    // first workflow task straight to this worker instead of through the server's task queue.
    const client = temporalClient(config.temporal, connection);
    const uiUrl = temporalUiUrl(config);
    const app = await appOptions(config, client, logger, metrics);
    const server = await listen(createApp({ ...app, start: { ...app.start, eagerStart: true } }), config.PORT, config.HOST);
    cleanups.push(() => server.close());

    const options = await workerOptions(config, connection, publicBaseUrl(config, server.port), { sandboxUrl: sandbox?.url, metrics });
    const worker = await createWorker({ ...options, ...DEV_MACHINE_VERSIONING });
    const workerRun = worker.run();
    cleanups.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await workerRun;
    });
    await Promise.race([worker.versioned(), workerRun]);

    say(`API          ${server.url}  (POST /v1/conversions, GET /v1/conversions/:id)`);
    say(`Temporal UI  ${temporal.uiUrl ?? uiUrl}`);
    say(`worker       ${options.deployment?.deploymentName ?? ''} build ${options.deployment?.buildId ?? ''} (current version)`);
    say(`convert one  node dist/cli.js convert --audio-id my-first-track --wait`);

    if (sandbox && config.SANDBOX_DEMO) await runDemo(config, client, sandbox, uiUrl);
    say('running; press Ctrl-C to stop');

    await Promise.race([workerRun, untilSignalled()]);
  } finally {
    say('stopping');
    await stop();
  }
}

/** Converts a demo track end to end and proves the file on disk is the one the provider served. */
async function runDemo(config: Config, client: Client, sandbox: Sandbox, uiUrl: string) {
  const audioId = `demo-${new Date().toISOString().replace(/[^0-9]/g, '').slice(0, 14)}`;
  const { conversionId } = await startConversion(client, { audioId }, { ...startDefaults(config, 'demo'), eagerStart: true });
  say(`demo: converting ${audioId} (${conversionUiUrl(uiUrl, config.TEMPORAL_NAMESPACE, conversionId)})`);
  const result = await watchConversion(client, conversionId, (phase, s) =>
    say(`demo: ${phase}${phase !== 'submitting' && s.wavTaskId ? ` (provider task ${s.wavTaskId})` : ''}`),);
  // Read back from the store (WAV_STORE), as the API serves it: a directory or a bucket.
  const stored = await wavStore(config).committed(objectName(conversionId));
  if (!stored) throw new Error(`demo: the store has no file for ${conversionId}`);
  const { bytes, sha256, head } = await stored.digest();
  const wav = parseWavHeader(head, bytes);
  const served = sandbox.task(result.wavTaskId)?.file?.sha256;
  say(
    `demo: completed ${result.path}: ${bytes} bytes, ${wav.channels} ch, ${wav.sampleRate} Hz, ${wav.bitsPerSample} bit, ` +
      `${wav.durationSeconds.toFixed(2)} s, answered by ${result.answeredBy}`,
  );
  if (sha256 !== served) throw new Error(`demo: sha256 ${sha256} differs from the sandbox's ${served ?? '(none)'}`);
  say(`demo: sha256 ${sha256} matches what the sandbox served`);
}


export function splitAddress(address: string): [string, number] {
  const at = address.lastIndexOf(':');
  const port = Number(address.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port)) throw new Error(`TEMPORAL_ADDRESS must be host:port, got ${address}`);
  return [address.slice(0, at), port];
}
