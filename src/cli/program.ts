import { Command, InvalidArgumentError, Option } from 'commander';
import type { Client } from '@temporalio/client';
import { readFile } from 'node:fs/promises';
import { parseIdList, runBatch } from './batch';
import { downloadProgressReporter } from './download-progress';
import { cancelConversion, conversionUiUrl, failureFromError, readConversion, startConversion, startConversionRequest, watchConversion, type ConversionView } from '../conversions';
import { ConfigError, loadConfig, type Config, publicBaseUrl, temporalUiUrl } from '../config';
import { runDev } from '../app';
import { createLogger } from '../lib';
import { Metrics, workerMetricsApp } from '../metrics';
import { describeIssues } from '../provider';
import { startSandbox } from '../sandbox';
import { createApp, listen } from '../server';
import { appOptions, projectDir, sandboxOptions, startDefaults, untilSignalled, workerOptions, workerTelemetry } from '../app';
import { obtainServerBinaries, obtainTemporalCli } from '../local-servers';
import { connectClient, connectWithRetry, connectWorker, lazyClient } from '../temporal';
import { runCluster } from './cluster';
import { runSetup } from './setup';
import { configTable } from '../config';
import { failureTable } from '../failures';
import { listConversions } from '../conversions';
import { createWorker } from '../app';
import { PHASES, type Phase } from '../workflows';

/** Exit codes, documented in the README. */
const EXIT = { ok: 0, failed: 1, usage: 2, config: 3, noWorker: 4 } as const;

const program: Command = new Command('wavflow')
  .description('Durable "Convert to WAV" conversions on Temporal')
  .showHelpAfterError()
  // Commander's own usage errors exit 2; ours carry their exit code.
  .exitOverride((err) => process.exit(err.code.startsWith('commander.') && err.exitCode !== 0 ? EXIT.usage : err.exitCode));

const seconds = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number of seconds');
  return n;
};

program
  .command('convert')
  .description('start a conversion, or one per line of a file (idempotent: the same id returns the existing one)')
  .addOption(new Option('--audio-id <id>', "the source track's audioId").conflicts('fromFile'))
  .addOption(new Option('--task-id <id>', 'the source music-generation taskId').conflicts('fromFile'))
  .addOption(new Option('--id <conversionId>', 'conversion (workflow) id; default wav-<audio-id or task-id>').conflicts('fromFile'))
  .option('--from-file <path>', 'start one conversion per line of this file (see below) and report each')
  .option('--poll-interval <seconds>', 'record-info poll interval', seconds)
  .option('--wait', 'wait for the conversion to finish, printing each phase (with --from-file: a progress bar of completed/failed/running)')
  .option('--json', 'print JSON instead of text (with --from-file: one line per item, progress lines, then a summary)')
  .addHelpText(
    'after',
    `
--from-file: one conversion per line, as
  audioId            e.g. e231…8cadc7dc
  audioId taskId     (or audioId,taskId; ",taskId" for a task id alone)
Blank lines and lines starting with # are ignored. Each conversion id is wav-<audioId or taskId>.
Exit code: 0 when every item started (with --wait: completed), 1 when any did not, 2 for usage errors.`,
  )
  .action(async (opts: { audioId?: string; taskId?: string; id?: string; fromFile?: string; pollInterval?: number; wait?: boolean; json?: boolean }) => {
    const config = loadConfig();
    if (opts.fromFile !== undefined) return convertFromFile(config, opts.fromFile, opts);
    const request = startConversionRequest.safeParse({
      audioId: opts.audioId,
      taskId: opts.taskId,
      conversionId: opts.id,
      pollIntervalSeconds: opts.pollInterval,
    });
    if (!request.success) program.error(`invalid options: ${describeIssues(request.error)}`, { exitCode: EXIT.usage });
    await withClient(config, async (client) => {
      const started = await startConversion(client, request.data, startDefaults(config, 'cli'));
      const link = conversionUiUrl(temporalUiUrl(config), config.TEMPORAL_NAMESPACE, started.conversionId);
      if (!opts.json) console.log(`${started.created ? 'started' : 'already exists'}: ${started.conversionId}  ${link}`);
      if (!opts.wait) {
        if (opts.json) console.log(JSON.stringify({ ...started, temporalUiUrl: link }));
        return;
      }
      const progress = downloadProgressReporter(Boolean(process.stdout.isTTY));
      try {
        const result = await watchConversion(
          client,
          started.conversionId,
          (phase, s) => {
            if (opts.json || phase === 'completed' || phase === 'failed') return;
            progress.stop();
            console.log(`${phase}${phase !== 'submitting' && s.wavTaskId ? `  provider task ${s.wavTaskId}` : ''}`);
          },
          { onDownload: opts.json ? undefined : (p) => progress.update(p) },
        );
        progress.stop();
        console.log(opts.json ? JSON.stringify({ ...started, result }) : `completed: ${result.path} (${result.bytes} bytes, sha256 ${result.sha256})`);
      } catch (err) {
        progress.stop();
        const { type, message } = failureFromError(err);
        console.log(opts.json ? JSON.stringify({ ...started, failure: { type, message } }) : `${type === 'Cancelled' ? 'cancelled' : `failed: ${type}`}: ${message}`);
        process.exitCode = EXIT.failed;
      }
    });
  });

async function convertFromFile(config: Config, path: string, opts: { pollInterval?: number; wait?: boolean; json?: boolean }): Promise<void> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    program.error(`cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`, { exitCode: EXIT.usage });
  }
  let lines;
  try {
    lines = parseIdList(text);
  } catch (err) {
    program.error(`${path}: ${err instanceof Error ? err.message : String(err)}`, { exitCode: EXIT.usage });
  }
  if (lines.length === 0) program.error(`${path}: no ids (one audioId, or "audioId taskId", per line)`, { exitCode: EXIT.usage });
  await withClient(config, async (client) => {
    process.exitCode = await runBatch(client, lines, {
      start: startDefaults(config, 'cli'),
      pollIntervalSeconds: opts.pollInterval,
      wait: opts.wait,
      json: opts.json,
      bar: Boolean(process.stdout.isTTY) && !opts.json,
    });
  });
}

program
  .command('list')
  .description('list conversions (newest activity first), as a table')
  .addOption(new Option('--status <phase>', 'only conversions in this phase').choices(PHASES))
  .option('--limit <n>', 'how many', (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError('must be an integer from 1 to 1000');
    return n;
  }, 20)
  .option('--json', 'print JSON')
  .action(async (opts: { status?: Phase; limit: number; json?: boolean }) => {
    const config = loadConfig();
    await withClient(config, async (client) => {
      const page = await listConversions(client, { namespace: config.TEMPORAL_NAMESPACE, status: opts.status, limit: opts.limit });
      if (opts.json) return console.log(JSON.stringify({ items: page.items }));
      console.table(page.items.map((c) => ({ conversion: c.conversionId, phase: c.phase ?? '-', temporal: c.workflowStatus, 'provider task': c.wavTaskId ?? '-', started: c.startedAt ?? '-' })));
    });
  });

program
  .command('open <conversionId>')
  .description("print the conversion's page in the Temporal UI")
  .option('--json', 'print JSON')
  .action((id: string, opts: { json?: boolean }) => {
    const config = loadConfig();
    const url = conversionUiUrl(temporalUiUrl(config), config.TEMPORAL_NAMESPACE, id);
    console.log(opts.json ? JSON.stringify({ conversionId: id, temporalUiUrl: url }) : url);
  });

program
  .command('status <conversionId>')
  .description("print a conversion's status; no worker needed for a closed one")
  .option('--json', 'print JSON')
  .addHelpText(
    'after',
    `
A running conversion is asked for its status (its counters, callbacks, polls) and needs a worker of
its task queue; without one, what Temporal records (phase, ids) is printed and a warning names the queue.
Exit code: 0 completed or running, 1 failed, cancelled or not found, 4 running but no worker answered.`,
  )
  .action(async (id: string, opts: { json?: boolean }) => {
    const config = loadConfig();
    await withClient(config, async (client) => {
      const read = await readConversion(client, id);
      if (!read) program.error(`no conversion with id ${id}`, { exitCode: EXIT.failed, code: 'wavflow.notFound' });
      const { view, unanswered } = read;
      console.log(opts.json ? JSON.stringify(unanswered ? { ...view, unanswered } : view) : formatStatus(view));
      if (unanswered) console.error(`${unanswered.detail}; shown is what Temporal records (phase and ids)`);
      process.exitCode = unanswered ? EXIT.noWorker : view.phase === 'failed' || view.phase === 'cancelled' ? EXIT.failed : EXIT.ok;
    });
  });

program
  .command('cancel <conversionId>')
  .description('cancel a running conversion (a running download stops and removes its .part file)')
  .option('--json', 'print JSON')
  .action(async (id: string, opts: { json?: boolean }) => {
    const config = loadConfig();
    await withClient(config, async (client) => {
      const outcome = await cancelConversion(client, id);
      if (opts.json) console.log(JSON.stringify({ conversionId: id, status: outcome }));
      else console.log(outcome === 'cancelling' ? `cancelling ${id}` : outcome === 'not-found' ? `no conversion with id ${id}` : `${id} is already closed (${outcome})`);
      if (outcome !== 'cancelling') process.exitCode = EXIT.failed;
    });
  });

program
  .command('worker')
  .description('run a worker (conversions and their activities)')
  .action(async () => {
    const config = loadConfig();
    const logger = createLogger(config.LOG_LEVEL);
    const metrics = await workerTelemetry(logger);
    // Until the worker runs, the SDK does not stop the process on SIGINT/SIGTERM: this does.
    const stopped = new AbortController();
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stopped.abort());
    const connection = await connectWithRetry(() => connectWorker(config.temporal), {
      signal: stopped.signal,
      onFailure: (err, retryInMs) => logger.warn({ address: config.TEMPORAL_ADDRESS, error: err instanceof Error ? err.message : String(err), retryInMs }, 'Temporal unreachable; retrying'),
    });
    if (!connection) return;
    const worker = await createWorker(await workerOptions(config, connection, publicBaseUrl(config), { metrics }));
    const metricsServer = await listen(workerMetricsApp(metrics, () => worker.getState() === 'RUNNING'), config.WORKER_METRICS_PORT, config.WORKER_METRICS_HOST);
    logger.info({ metrics: `${metricsServer.url}/metrics`, taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker running');
    // The SDK runtime stops the worker on SIGINT/SIGTERM, letting running activities finish.
    await worker.run();
    await metricsServer.close();
    await connection.close();
  });

program
  .command('server')
  .description('run the HTTP server (callback receiver and conversions API)')
  .action(async () => {
    const config = loadConfig();
    const logger = createLogger(config.LOG_LEVEL);
    // Connects on first use: the receiver listens even while Temporal is unreachable, answering
    // callbacks 503 (the provider retries) and /readyz 503 until it is back.
    const client = lazyClient(config.temporal);
    const metrics = new Metrics({ processMetrics: true });
    const server = await listen(createApp(await appOptions(config, client, logger, metrics)), config.PORT, config.HOST);
    logger.info({ url: server.url }, 'listening');
    await untilSignalled();
    await server.close();
    await client.connection.close();
  });

program
  .command('sandbox')
  .description('run the sandbox provider alone')
  .action(async () => {
    const config = loadConfig();
    const sandbox = await startSandbox(sandboxOptions(config));
    console.log(`sandbox provider on ${sandbox.url} (Bearer ${sandbox.apiKey})`);
    await untilSignalled();
    await sandbox.close();
  });

program
  .command('temporal-cli')
  .description('print the path of the Temporal CLI, obtaining it first if needed')
  .action(async () => {
    const config = loadConfig();
    console.log(await obtainTemporalCli({ projectDir, explicitPath: config.TEMPORAL_CLI_PATH, log: (m) => console.error(m) }));
  });

program
  .command('setup')
  .description("ready a Temporal namespace for wavflow: create it if missing, register wavflow's search attributes (idempotent)")
  .option('--retention <days>', 'retention of closed conversions in a namespace this creates', (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of days, at least 1');
    return n;
  }, 3)
  .option('--timeout <seconds>', 'how long to wait for Temporal to be reachable and the namespace to be usable', seconds, 120)
  .option('--json', 'print JSON')
  .addHelpText('after', '\nConnects like every other command (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TLS, API key, temporal.toml profile).')
  .action(async (opts: { retention: number; timeout: number; json?: boolean }) => {
    const config = loadConfig(process.env, { productionSecrets: false });
    const log = (message: string) => console.error(`setup | ${message}`);
    const report = await runSetup(config, { retentionDays: opts.retention, timeoutSeconds: opts.timeout, log });
    if (opts.json) console.log(JSON.stringify(report));
    else {
      console.log(`namespace ${report.namespace}: ${report.namespaceCreated ? 'created' : 'already there'}`);
      console.log(`search attributes: ${report.searchAttributes.join(', ')} (${report.searchAttributesAdded.length ? `added ${report.searchAttributesAdded.join(', ')}` : 'all already registered'})`);
    }
  });

program
  .command('cluster')
  .description('a production-shaped Temporal on this machine (PostgreSQL, frontend, matching, worker service, two history nodes, the UI), readied by setup; until Ctrl-C')
  .option('--dir <path>', "the cluster's state: database, configuration, logs", '.data/cluster')
  .option('--history-nodes <n>', 'history service processes', (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 8) throw new InvalidArgumentError('must be an integer from 1 to 8');
    return n;
  }, 2)
  .addOption(new Option('--tls', "serve the frontend with TLS, from a CA made in <dir>/tls (prints the TEMPORAL_TLS_* to use)").conflicts('mtls'))
  .option('--mtls', 'like --tls, and every client must present a certificate signed by that CA')
  .addHelpText('after', '\nThe frontend listens on TEMPORAL_ADDRESS (127.0.0.1 only), the UI on TEMPORAL_UI_PORT.')
  .action(async (opts: { dir: string; historyNodes: number; tls?: boolean; mtls?: boolean }) => {
    await runCluster(loadConfig(process.env, { temporalProfiles: false, productionSecrets: false }), opts);
  });

program
  .command('temporal-server')
  .description('print the paths of the Temporal server, its SQL tool and the UI server the cluster uses, building them first if needed')
  .action(async () => {
    const binaries = await obtainServerBinaries({ projectDir, log: (m) => console.error(m) });
    console.log(JSON.stringify(binaries, null, 2));
  });

program
  .command('config-table')
  .description("print the configuration table (the README's copy is checked against it)")
  .action(() => console.log(configTable()));

program
  .command('failure-table')
  .description("print the table of failure types (the README's copy is checked against it)")
  .action(() => console.log(failureTable()));

program
  .command('dev')
  .description('everything on one machine: Temporal dev server, sandbox, worker, HTTP server, a demo conversion (npm start)')
  // The dev server it starts is the one to reach: no temporal.toml profile applies.
  .action(async () => runDev(loadConfig(process.env, { temporalProfiles: false })));

/** A Temporal client for the length of one command. */
async function withClient<T>(config: Config, use: (client: Client) => Promise<T>): Promise<T> {
  const client = await connectClient(config.temporal);
  try {
    return await use(client);
  } finally {
    await client.connection.close();
  }
}

function formatStatus(c: ConversionView): string {
  const lines = [`conversion   ${c.conversionId} (${c.workflowStatus})`, `phase        ${c.phase}`];
  if (c.audioId || c.taskId) lines.push(`source       ${[c.audioId && `audio ${c.audioId}`, c.taskId && `task ${c.taskId}`].filter(Boolean).join(' ')}`);
  lines.push(`provider     ${c.wavTaskId ?? '-'}`);
  // The workflow's own counters: only when it answered its status query.
  if (c.callbacks) {
    lines.push(
      `callbacks    ${c.callbacks.received} received (${c.callbacks.duplicates} duplicate, ${c.callbacks.mismatched} for another task, ${c.callbacks.malformed} malformed); polls ${c.polls ?? 0}`,
    );
  }
  if (c.downloadAttempts !== undefined) lines.push(`download     ${c.downloadAttempts} attempts, ${c.urlRefreshes ?? 0} URL refreshes`);
  if (c.download) lines.push(`downloading  ${c.download.bytes}${c.download.total ? ` of ${c.download.total}` : ''} bytes (attempt ${c.download.attempt})`);
  if (c.answeredBy) lines.push(`answered by  ${c.answeredBy}${c.answeredAt ? ` at ${c.answeredAt}` : ''}`);
  if (c.result) lines.push(`file         ${c.result.path} (${c.result.bytes} bytes, sha256 ${c.result.sha256})`);
  if (c.failure) lines.push(`failure      ${c.failure.type}: ${c.failure.message}`);
  return lines.join('\n');
}

/** Runs the command `argv` names; a configuration error exits 3, any other failure 1. */
export function runCli(argv: readonly string[] = process.argv): void {
  program.parseAsync(argv).catch((err: unknown) => {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(EXIT.config);
    }
    console.error(err instanceof Error ? err.message : err);
    process.exit(EXIT.failed);
  });
}
