import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { freePort, obtainTemporalCli, startDevServer, type DevServer } from '../../src/local-servers';
import { providerTaskQueue } from '../../src/workflows';
import { waitFor } from '../support/wait-for';

/**
 * `wavflow worker` and `wavflow server` started while Temporal is unreachable (before it, or during
 * an outage, as the chaos run's restarts do) wait for it instead of exiting: the server answers at
 * once (readyz 503), and both work as soon as Temporal is up.
 */
jest.setTimeout(120_000);

const projectDir = resolve(__dirname, '../..');
const cliPath = resolve(projectDir, 'dist/cli.js');
const children: ChildProcess[] = [];
let server: DevServer | undefined;
let connection: Connection | undefined;

afterAll(async () => {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    }),
  );
  await connection?.close();
  await server?.stop();
});

function run(command: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [cliPath, command], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'ignore' });
  children.push(child);
  return child;
}

test('worker and server started before Temporal wait for it, and run once it is up', async () => {
  const [temporalPort, httpPort] = [await freePort(), await freePort()];
  const taskQueue = `early-${temporalPort}`;
  const env = {
    TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
    TEMPORAL_TASK_QUEUE: taskQueue,
    PORT: String(httpPort),
    CALLBACK_SECRET: 'a-callback-secret-for-this-test',
    LOG_LEVEL: 'silent',
  };
  const worker = run('worker', env);
  run('server', env);
  const base = `http://127.0.0.1:${httpPort}`;

  await waitFor('the server', async () => (await fetch(`${base}/healthz`)).ok);
  expect((await fetch(`${base}/readyz`)).status).toBe(503);
  expect(worker.exitCode).toBeNull();

  const cli = await obtainTemporalCli({ projectDir, explicitPath: process.env.TEMPORAL_CLI_PATH, log: () => {} });
  server = await startDevServer({ cliPath: cli, port: temporalPort, uiPort: null, namespace: 'default', log: () => {} });
  connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });

  await waitFor('the server to reach Temporal', async () => (await fetch(`${base}/readyz`)).ok, 30_000);
  // Both of the worker's queues have a poller: it connected and runs.
  for (const name of [taskQueue, providerTaskQueue(taskQueue)]) {
    await waitFor(`a poller on ${name}`, async () => {
      const { pollers } = await client.workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
      });
      return (pollers ?? []).length > 0;
    }, 30_000);
  }
  expect(worker.exitCode).toBeNull();
});

test('a worker still waiting for Temporal says so, and stops on SIGTERM', async () => {
  const address = `127.0.0.1:${await freePort()}`;
  const worker = spawn(process.execPath, [cliPath, 'worker'], { env: { PATH: process.env.PATH ?? '', TEMPORAL_ADDRESS: address, LOG_LEVEL: 'warn', WORKER_METRICS_PORT: '0' }, stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(worker);
  let out = '';
  worker.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((done) => worker.once('exit', (code) => done(code)));
  // The signal must reach the waiting loop, not a process still loading.
  await waitFor('a failed attempt', () => out.includes('Temporal unreachable; retrying'));
  worker.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(out).toContain(address);
});
