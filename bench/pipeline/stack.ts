import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { StartOptions } from '../../src/conversions';
import { workflowInterceptorModules, type WorkerTuning } from '../../src/app';
import { startBenchTemporal, type BenchTemporal } from '../temporal';
import type { SandboxProcessConfig } from '../processes/sandbox';
import type { ServerProcessConfig } from '../processes/server';
import { Cleanup, cpuSeconds, forkChild, machineBusySeconds, Rpc, say, sayLogTails, stopChild, type Child } from '../support';
import type { WorkerProcessConfig } from '../processes/worker';

/**
 * The processes of `npm run bench`, as they would run in production, each in its own process so
 * its CPU time and memory are its own: Temporal (the dev server in memory, or with
 * BENCH_TEMPORAL=cluster the cluster harness), the sandbox provider,
 * wavflow's HTTP server, and worker processes (one per phase, so each starts fresh).
 */

export const SANDBOX_KEY = 'bench-key';
/** 64 KiB files: 44-byte header + 16,373 frames of 16-bit stereo. */
export const WAV_SECONDS = 16_373 / 44_100;
/** Conversions started through the API go to a queue no worker polls: only the start is measured. */
export const START_API_QUEUE = 'bench-start-api';

export interface PipelineOptions {
  providerRatePerSecond: number;
  tuning: WorkerTuning;
  /** The receiver's log level (its log goes to /dev/null). */
  serverLogLevel: string;
  /** The SDK's own log level in the worker processes. */
  workerLogLevel: 'ERROR' | 'WARN' | 'INFO';
  /**
   * Worker Versioning for every worker, wavflow's and the baseline's alike: each worker process a
   * deployment of its own whose build makes itself current, as `wavflow worker` does in production.
   */
  versioned: boolean;
}

export interface WorkerHandle {
  pid: number;
  taskQueue: string;
  stop(): Promise<void>;
}

export interface PipelineStack {
  run: string;
  workDir: string;
  client: Client;
  temporal: BenchTemporal;
  sandbox: { url: string; pid: number; rpc: Rpc };
  server: { url: string; pid: number };
  /** How the API starts conversions; the raw side of the start benchmark uses the same. */
  apiStart: StartOptions;
  startWorker(kind: 'wavflow' | 'baseline', label: string): Promise<WorkerHandle>;
  /**
   * CPU seconds used so far by each process of the stack, this one (`bench`), and every other
   * process on the machine together (`other processes`; its difference over a phase is what counts).
   */
  cpu(extra?: Record<string, number>): Record<string, number>;
  close(): Promise<void>;
}

export async function startPipelineStack(options: PipelineOptions): Promise<PipelineStack> {
  const run = randomBytes(3).toString('hex');
  const workDir = await mkdtemp(join(tmpdir(), 'wavflow-bench-pipeline-'));
  const cleanup = new Cleanup();
  cleanup.add(() => rm(workDir, { recursive: true, force: true }));
  const close = () => cleanup.close();
  try {
    const temporal = await startBenchTemporal(workDir);
    cleanup.add(() => temporal.stop());
    const connection = await Connection.connect({ address: temporal.address });
    cleanup.add(() => connection.close());
    const client = new Client({ connection });

    say('bundling the workflows');
    const bundles = { wavflow: join(workDir, 'wavflow-workflows.js'), baseline: join(workDir, 'baseline-workflows.js') };
    const quiet = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop };
    await writeFile(bundles.wavflow, (await bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), workflowInterceptorModules, logger: quiet })).code);
    await writeFile(bundles.baseline, (await bundleWorkflowCode({ workflowsPath: require.resolve('./baseline-workflow'), logger: quiet })).code);

    const children: Child[] = [];
    cleanup.add(async () => Promise.all(children.map((c) => stopChild(c))));
    const fork = async <Ready extends { type: 'ready' }>(script: string, env: NodeJS.ProcessEnv, name: string) => {
      const started = await forkChild<Ready>(join(__dirname, '../processes', script), env, join(workDir, `${name}.log`));
      children.push(started.child);
      return started;
    };

    const sandboxConfig: SandboxProcessConfig = { apiKey: SANDBOX_KEY, wavSeconds: WAV_SECONDS, fileDir: join(workDir, 'sandbox') };
    const sandbox = await fork<{ type: 'ready'; url: string }>('sandbox.js', { WAVFLOW_BENCH_SANDBOX: JSON.stringify(sandboxConfig) }, 'sandbox');
    const callbackSecret = randomBytes(24).toString('base64url');
    const apiStart: StartOptions = { taskQueue: START_API_QUEUE, defaultPollIntervalSeconds: 30, startedBy: 'api' };
    const serverConfig: ServerProcessConfig = { temporalAddress: temporal.address, callbackSecret, start: apiStart, logLevel: options.serverLogLevel };
    const server = await fork<{ type: 'ready'; url: string }>('server.js', { WAVFLOW_BENCH_SERVER: JSON.stringify(serverConfig) }, 'server');

    const workers = new Map<number, string>();
    const startWorker = async (kind: 'wavflow' | 'baseline', label: string): Promise<WorkerHandle> => {
      const taskQueue = `bench-${run}-${label}`;
      const outputDir = join(workDir, `wav-${label}`);
      await mkdir(outputDir, { recursive: true });
      const config: WorkerProcessConfig = {
        temporalAddress: temporal.address,
        taskQueue,
        workflowBundlePath: bundles[kind],
        sandboxUrl: sandbox.ready.url,
        sandboxApiKey: SANDBOX_KEY,
        outputDir,
        kind,
        publicBaseUrl: server.ready.url,
        callbackSecret,
        providerRatePerSecond: options.providerRatePerSecond,
        tuning: options.tuning,
        timedStore: false,
        logLevel: options.workerLogLevel,
        ...(options.versioned ? { deployment: { deploymentName: `bench-${run}-${label}`, buildId: 'bench' } } : {}),
      };
      const { child } = await fork('worker.js', { WAVFLOW_BENCH_WORKER: JSON.stringify(config) }, `worker-${label}`);
      workers.set(child.pid, `worker-${label}`);
      return {
        pid: child.pid,
        taskQueue,
        stop: async () => {
          await stopChild(child);
          workers.delete(child.pid);
          // The downloaded files are not needed, and 10,000 of them are 640 MiB.
          await rm(outputDir, { recursive: true, force: true });
        },
      };
    };

    const stack: PipelineStack = {
      run,
      workDir,
      client,
      temporal,
      sandbox: { url: sandbox.ready.url, pid: sandbox.child.pid, rpc: new Rpc(sandbox.child.process) },
      server: { url: server.ready.url, pid: server.child.pid },
      apiStart,
      startWorker,
      cpu: (extra = {}) => {
        const own = process.cpuUsage();
        const pids: Record<string, number> = { 'http server': server.child.pid, sandbox: sandbox.child.pid, ...extra };
        for (const [pid, name] of workers) pids[name] ??= pid;
        const ours = { ...temporal.cpuSeconds(), ...Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)])), bench: (own.user + own.system) / 1e6 };
        // What the rest of the machine used (other work on a shared machine), so a noisy run shows.
        return { ...ours, 'other processes': machineBusySeconds() - Object.values(ours).reduce((a, b) => a + b, 0) };
      },
      close,
    };
    return stack;
  } catch (err) {
    await sayLogTails(workDir);
    await close();
    throw err;
  }
}

const noop = () => {};
