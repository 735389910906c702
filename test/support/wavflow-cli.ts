import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { waitFor } from './wait-for';

/**
 * The built CLI as an operator runs it: configured by environment variables only. Nothing of the
 * test runner's environment leaks in but PATH (no HOME, so no ~/.config/temporalio/temporal.toml).
 */
const cliPath = resolve(__dirname, '../../dist/cli.js');
const baseEnv = () => ({ PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn' });

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string>, timeoutMs = 90_000): Promise<CliResult> {
  return new Promise((done) => {
    execFile(process.execPath, [cliPath, ...args], { env: { ...baseEnv(), ...env }, timeout: timeoutMs }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

export const lastJson = <T = Record<string, unknown>>(stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as T;

/** A long-running command (`worker`, `server`): its JSON log lines, and a stop that waits for the exit. */
export interface CliProcess {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  /** Everything it wrote that was not a JSON line (errors before the logger exists). */
  text: string[];
  exited: Promise<number | null>;
  waitForLog(msg: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** Logs at `info`, where `worker running` and `listening` are. */
export function startCli(command: string, env: Record<string, string>): CliProcess {
  const child = spawn(process.execPath, [cliPath, command], { env: { ...baseEnv(), LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Array<Record<string, unknown>> = [];
  const text: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        text.push(line);
      }
    });
  }
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return {
    child,
    lines,
    text,
    exited,
    waitForLog: (msg, timeoutMs = 60_000) =>
      waitFor(`${command} to log "${msg}"`, () => {
        if (child.exitCode !== null) throw new Error(`${command} exited with ${child.exitCode}: ${[...text, ...lines.map((l) => JSON.stringify(l))].slice(-5).join('\n')}`);
        return lines.find((l) => l.msg === msg);
      }, timeoutMs),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
