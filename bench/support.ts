import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

/** Helpers shared by the benchmarks: progress, statistics, tables, child processes, /proc. */

export const projectDir = resolve(__dirname, '../../..'); // dist/bench/bench → the repository

/** Progress goes to stderr, so stdout holds only the report. */
export const say = (message: string) => console.error(`bench | ${message}`);

export const sleep = (ms: number) => new Promise((resolvePromise) => setTimeout(resolvePromise, ms));

export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]).finally(() => clearTimeout(timer));
}

export async function tail(file: string, lines = 40): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(-lines).join('\n');
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  if (!sorted.length) return NaN;
  return sorted.length % 2 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Nearest-rank quantile: p99 of 200 values is the 199th smallest, a value that was observed. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

export const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN);
export const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** Columns padded to their widest cell; the first row is the header. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

// ---------------------------------------------------------------- child processes

export interface Child {
  process: ChildProcess;
  pid: number;
  exitCode: number | string | undefined;
  exited: Promise<void>;
}

/**
 * Forks a compiled bench script with `env`, its output into `logFile`, and waits for its first
 * message of type `ready` (returned), or fails with the end of its log if it exits first.
 */
export async function forkChild<Ready extends { type: 'ready' }>(
  script: string,
  env: NodeJS.ProcessEnv,
  logFile: string,
  timeoutMs = 120_000,
  execArgv: string[] = [],
): Promise<{ child: Child; ready: Ready }> {
  const log = openSync(logFile, 'a');
  const proc = fork(script, [], { env: { ...process.env, ...env }, stdio: ['ignore', log, log, 'ipc'], execArgv: [...process.execArgv, ...execArgv] });
  closeSync(log);
  const child: Child = {
    process: proc,
    pid: proc.pid ?? NaN,
    exitCode: undefined,
    exited: new Promise((resolvePromise) => proc.once('exit', (code, signal) => ((child.exitCode = code ?? signal ?? 'unknown'), resolvePromise()))),
  };
  const ready = new Promise<Ready>((resolvePromise, reject) => {
    const onMessage = (message: { type?: string }) => {
      if (message.type !== 'ready') return;
      proc.off('message', onMessage);
      resolvePromise(message as Ready);
    };
    proc.on('message', onMessage);
    void child.exited.then(async () => reject(new Error(`${script} exited with ${child.exitCode} before it was ready:\n${await tail(logFile)}`)));
  });
  try {
    return { child, ready: await withTimeout(ready, timeoutMs, `${script} did not start within ${timeoutMs / 1000} s`) };
  } catch (err) {
    await stopChild(child);
    throw err;
  }
}

/** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
export async function stopChild(child: Child, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== undefined) return;
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
}

/** Request/answer over a child's IPC channel; the child answers with serveRpc. */
export class Rpc {
  private next = 0;
  private readonly waiting = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();

  constructor(private readonly proc: ChildProcess) {
    proc.on('message', (message: { rpc?: number; result?: unknown; error?: string }) => {
      const pending = message.rpc === undefined ? undefined : this.waiting.get(message.rpc);
      if (!pending || message.rpc === undefined) return;
      this.waiting.delete(message.rpc);
      if (message.error !== undefined) pending.reject(new Error(message.error));
      else pending.resolve(message.result);
    });
    proc.once('exit', () => {
      for (const pending of this.waiting.values()) pending.reject(new Error('the child process exited'));
      this.waiting.clear();
    });
  }

  call<T>(op: string, ...args: unknown[]): Promise<T> {
    const rpc = this.next++;
    return new Promise<T>((resolvePromise, reject) => {
      if (!this.proc.connected) return reject(new Error('the child process has gone'));
      this.waiting.set(rpc, { resolve: resolvePromise as (value: unknown) => void, reject });
      // With a callback, a channel that closes meanwhile fails this call instead of the process.
      this.proc.send({ rpc, op, args }, (err) => {
        if (!err) return;
        this.waiting.delete(rpc);
        reject(err);
      });
    });
  }
}

/** The child's side of Rpc. */
export function serveRpc(handlers: Record<string, (...args: never[]) => unknown>): void {
  process.on('message', (message: { rpc?: number; op?: string; args?: unknown[] }) => {
    if (message.rpc === undefined || message.op === undefined) return;
    const handler = handlers[message.op] as ((...args: unknown[]) => unknown) | undefined;
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown operation ${message.op}`);
        return handler(...(message.args ?? []));
      })
      .then(
        (result) => process.send?.({ rpc: message.rpc, result }),
        (err: unknown) => process.send?.({ rpc: message.rpc, error: err instanceof Error ? err.message : String(err) }),
      );
  });
}

// ---------------------------------------------------------------- /proc (Linux)

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux architecture Node runs on

/** User + system CPU seconds the process has used so far (threads included). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

export function procStatusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]);
}

export const rssMiB = (pid: number) => procStatusKiB(pid, 'VmRSS') / 1024;

/** CPU seconds the whole machine has spent busy (all cores, all processes) since it booted. */
export function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  // cpu  user nice system idle iowait irq softirq steal ...: everything but idle and iowait.
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / CLOCK_TICKS_PER_SECOND;
}
