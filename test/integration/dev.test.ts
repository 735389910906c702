import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../src/local-servers';
import { waitFor } from '../support/wait-for';

/** `npm start` is the front door: these run the built CLI exactly as `npm start` does. */
// Each run bundles the workflows and may start its own Temporal server: slow on two cores.
jest.setTimeout(180_000);

const cli = resolve(__dirname, '../../dist/cli.js');

interface Dev {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<number | null>;
  running: () => boolean;
}

function startDev(env: Record<string, string>): Dev {
  if (!existsSync(cli)) throw new Error('dist/cli.js is missing: run `npm run build` (npm test does)');
  const child = spawn(process.execPath, [cli, 'dev'], { env: { ...process.env, ...env, LOG_LEVEL: 'warn' } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let running = true;
  const exited = new Promise<number | null>((done) =>
    child.once('exit', (code) => {
      running = false;
      done(code);
    }),
  );
  return { child, output: () => output, exited, running: () => running };
}

const listening = (port: number) =>
  new Promise<boolean>((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), done(true)));
    socket.once('error', () => done(false));
  });

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wavflow-dev-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function devEnv(temporalAddress: string) {
  return {
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_UI_PORT: String(await freePort()),
    TEMPORAL_DB_FILE: join(dir, 'temporal.db'),
    TEMPORAL_TASK_QUEUE: `dev-test-${Date.now()}`,
    PORT: String(await freePort()),
    SANDBOX_PORT: String(await freePort()),
    SANDBOX_CONVERSION_DELAY_MS: '100',
    SANDBOX_WAV_SECONDS: '0.5',
    WAV_OUTPUT_DIR: join(dir, 'wav'),
    CALLBACK_SECRET: 'dev-test-secret-0123456789',
  };
}

interface SandboxTaskRecord {
  audioId?: string;
  state: string;
  bytesServed: number;
  file?: { bytes: number; sha256: string };
}

/**
 * Waits for the demo, then checks its file against the sandbox's own record of what it served
 * (read from the sandbox's HTTP control API), not against wavflow's word for it.
 */
async function expectDemoCompletes(dev: Dev, env: Awaited<ReturnType<typeof devEnv>>) {
  await waitFor(
    'the demo conversion',
    () => {
      if (!dev.running()) throw new Error('wavflow dev exited');
      return dev.output().includes('matches what the sandbox served');
    },
    120_000,
    100,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n--- output ---\n${dev.output()}`);
  });
  const [, path, sha] = /demo: completed (\S+):[\s\S]*demo: sha256 ([0-9a-f]{64}) matches/.exec(dev.output()) ?? [];
  expect(path).toBeDefined();
  const onDisk = createHash('sha256').update(await readFile(path as string)).digest('hex');
  expect(onDisk).toBe(sha);

  const audioId = /demo: converting (\S+)/.exec(dev.output())?.[1];
  expect(audioId).toBeDefined();
  expect(resolve(path as string).startsWith(`${resolve(env.WAV_OUTPUT_DIR)}/`)).toBe(true);
  const tasks = (await (await fetch(`http://127.0.0.1:${env.SANDBOX_PORT}/_sandbox/tasks`)).json()) as SandboxTaskRecord[];
  const served = tasks.filter((t) => t.audioId === audioId);
  expect(served).toHaveLength(1);
  expect(served[0]).toMatchObject({ state: 'SUCCESS', file: { sha256: onDisk } });
  expect(served[0]?.bytesServed).toBeGreaterThanOrEqual(served[0]?.file?.bytes ?? Infinity);
  expect(dev.output()).toMatch(/Temporal UI {2}http:\/\/127\.0\.0\.1:\d+/);
  expect(dev.output()).toContain('node dist/cli.js convert --audio-id');
}

test('npm start brings up its own Temporal, converts the demo track, and Ctrl-C stops all it started', async () => {
  const temporalPort = await freePort();
  const env = await devEnv(`127.0.0.1:${temporalPort}`);
  const dev = startDev(env);
  try {
    await expectDemoCompletes(dev, env);
    expect(dev.output()).toContain('starting Temporal dev server');
  } finally {
    dev.child.kill('SIGINT');
  }
  expect(await dev.exited).toBe(0);
  expect(await listening(temporalPort)).toBe(false);
  expect(existsSync(join(dir, 'temporal.db'))).toBe(true);
});

test('npm start reuses a Temporal server that is already listening, and leaves it running', async () => {
  const address = process.env.WAVFLOW_TEST_TEMPORAL_ADDRESS as string;
  const env = await devEnv(address);
  const dev = startDev(env);
  try {
    await expectDemoCompletes(dev, env);
    expect(dev.output()).toContain('reusing it');
  } finally {
    dev.child.kill('SIGINT');
  }
  expect(await dev.exited).toBe(0);
  expect(await listening(Number(address.split(':')[1]))).toBe(true);
});
