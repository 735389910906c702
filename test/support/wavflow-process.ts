import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { waitFor } from './wait-for';

const cliPath = resolve(__dirname, '../../dist/cli.js');

/** A `wavflow <command>` process (the built CLI), its JSON log lines kept. */
export interface WavflowProcess {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  /** Resolves with the first log line whose msg is `msg`. */
  logged(msg: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** SIGKILL: no shutdown of any kind, as when a machine dies. */
  kill(): Promise<void>;
  /** SIGTERM, and waits for the exit. */
  stop(): Promise<void>;
}

export function startWavflow(command: 'worker' | 'server', env: Record<string, string | undefined>, cwd?: string): WavflowProcess {
  const child = spawn(process.execPath, [cliPath, command], {
    cwd,
    env: { PATH: process.env.PATH, NODE_ENV: 'development', LOG_LEVEL: 'info', WORKER_METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const lines: Array<Record<string, unknown>> = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // not a log line
    }
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    child,
    lines,
    logged: (msg, timeoutMs = 60_000) => waitFor(`${command} to log "${msg}"`, () => lines.find((l) => l.msg === msg), timeoutMs),
    kill: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
  };
}
