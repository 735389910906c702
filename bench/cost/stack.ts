import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, closeSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { freePort, obtainTemporalCli, startDevServer, type DevServer } from '../../src/local-servers';
import { scrape, type Sample } from '../../test/support/prometheus';
import type { SandboxProcessConfig } from '../processes/sandbox';
import { WAV_SECONDS } from '../pipeline/stack';
import { childOf, Cleanup, cpuSeconds, forkChild, machineBusySeconds, projectDir, Rpc, say, sayLogTails, stopChild, tail, waitUntil, type Child } from '../support';

/**
 * What `npm run bench:cost` runs: a Temporal dev server in memory whose own Prometheus metrics the
 * benchmark reads, the sandbox provider, and a checkout's `wavflow server` and `wavflow worker`,
 * started from its built CLI with their configuration in environment variables, as an operator
 * runs them. Any checkout with a built `dist/cli.js` works, so the same run measures this tree or
 * a release (v0.1.0) on the same machine, with the same provider and the same server.
 */

export const COST_TASK_QUEUE = 'wavflow-cost';
const SANDBOX_KEY = 'bench-key';

export interface CostStack {
  /** The checkout whose CLI runs the worker and the server. */
  checkout: string;
  workDir: string;
  client: Client;
  temporal: DevServer;
  /** The dev server's own metrics (`action`, `service_requests`, ...). */
  serverMetrics(): Promise<Sample[]>;
  sandbox: { url: string; rpc: Rpc };
  /** wavflow's HTTP server (callback receiver and API). */
  apiUrl: string;
  /** CPU seconds so far per process of the stack, and everything else on the machine. */
  cpu(): Record<string, number>;
  close(): Promise<void>;
}

export interface CostStackOptions {
  /** A checkout with a built CLI (`npm run build`); default this one. */
  checkout?: string;
  /** Extra configuration of the worker (WORKER_* tuning). */
  workerEnv?: Record<string, string>;
}

export async function startCostStack(options: CostStackOptions = {}): Promise<CostStack> {
  const checkout = options.checkout ?? projectDir;
  const cli = join(checkout, 'dist/cli.js');
  if (!existsSync(cli)) throw new Error(`${cli} does not exist: build that checkout first (npm ci && npm run build)`);
  const workDir = await mkdtemp(join(tmpdir(), 'wavflow-bench-cost-'));
  const cleanup = new Cleanup();
  cleanup.add(() => rm(workDir, { recursive: true, force: true }));
  const close = () => cleanup.close();
  try {
    const cliPath = await obtainTemporalCli({ projectDir, explicitPath: process.env.TEMPORAL_CLI_PATH, log: say });
    const metricsPort = await freePort();
    const temporal = await startDevServer({ cliPath, port: await freePort(), uiPort: null, namespace: 'default', metricsPort, log: say });
    cleanup.add(() => temporal.stop());
    if (temporal.pid === undefined) throw new Error('the dev server has no pid');
    const connection = await Connection.connect({ address: temporal.address });
    cleanup.add(() => connection.close());
    const client = new Client({ connection });

    const children: Child[] = [];
    cleanup.add(async () => Promise.all(children.map((c) => stopChild(c))));
    const sandboxConfig: SandboxProcessConfig = { apiKey: SANDBOX_KEY, wavSeconds: WAV_SECONDS, fileDir: join(workDir, 'sandbox') };
    const sandbox = await forkChild<{ type: 'ready'; url: string }>(join(__dirname, '../processes/sandbox.js'), { WAVFLOW_BENCH_SANDBOX: JSON.stringify(sandboxConfig) }, join(workDir, 'sandbox.log'));
    children.push(sandbox.child);

    const serverPort = await freePort();
    const apiUrl = `http://127.0.0.1:${serverPort}`;
    // Only what is set here: nothing of this shell's wavflow configuration leaks in.
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      TMPDIR: tmpdir(),
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: COST_TASK_QUEUE,
      HOST: '127.0.0.1',
      PORT: String(serverPort),
      PUBLIC_BASE_URL: apiUrl,
      CALLBACK_SECRET: randomBytes(24).toString('base64url'),
      PROVIDER_BASE_URL: sandbox.ready.url,
      SANDBOX_API_KEY: SANDBOX_KEY,
      // The provider's quota is not what is measured; the sandbox answers at once.
      PROVIDER_RATE_LIMIT_PER_SECOND: '1000',
      // WAV_STORE did not exist in v0.1.0; this one means the same on every version.
      WAV_OUTPUT_DIR: join(workDir, 'wav'),
      WORKER_METRICS_PORT: '0',
      ...options.workerEnv,
    };
    await mkdir(env.WAV_OUTPUT_DIR!, { recursive: true });
    const server = await startCli(cli, 'server', env, join(workDir, 'server.log'), '"listening"');
    children.push(server);
    const worker = await startCli(cli, 'worker', env, join(workDir, 'worker.log'), '"worker running"');
    children.push(worker);

    const pids: Record<string, number> = { 'temporal server': temporal.pid, worker: worker.pid, 'http server': server.pid, sandbox: sandbox.child.pid };
    return {
      checkout,
      workDir,
      client,
      temporal,
      serverMetrics: () => scrape(`http://127.0.0.1:${metricsPort}/metrics`),
      sandbox: { url: sandbox.ready.url, rpc: new Rpc(sandbox.child.process) },
      apiUrl,
      cpu: () => {
        const own = process.cpuUsage();
        const ours = { ...Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)])), bench: (own.user + own.system) / 1e6 };
        return { ...ours, 'other processes': machineBusySeconds() - Object.values(ours).reduce((a, b) => a + b, 0) };
      },
      close,
    };
  } catch (err) {
    await sayLogTails(workDir);
    await close();
    throw err;
  }
}

/** `node <cli> <command>`, its output into `logFile`; ready once the log shows `readyText`. */
async function startCli(cli: string, command: string, env: Record<string, string>, logFile: string, readyText: string): Promise<Child> {
  const log = openSync(logFile, 'a');
  const proc = spawn(process.execPath, [cli, command], { env, stdio: ['ignore', log, log] });
  closeSync(log);
  const child = childOf(proc);
  try {
    await waitUntil(`wavflow ${command} to start`, async () => (await readFile(logFile, 'utf8')).includes(readyText) || child.exitCode !== undefined, 60_000, { everyMs: 100 });
    if (child.exitCode !== undefined) throw new Error(`wavflow ${command} exited with ${child.exitCode}`);
  } catch (err) {
    await stopChild(child);
    throw new Error(`${String(err)}:\n${await tail(logFile)}`);
  }
  return child;
}
