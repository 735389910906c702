import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Helpers shared by the benchmarks and the chaos run: where the project is, progress, cleanup,
 * waiting, load, statistics, tables, child processes, /proc.
 */

/** The repository: the directory above `from` with wavflow's package.json (from bench/ or dist/bench/bench/). */
export function findProjectDir(from = __dirname): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src', 'cli.ts'))) return dir;
  }
  throw new Error(`no wavflow checkout above ${from}`);
}

export const projectDir = findProjectDir();

/** Progress goes to stderr, so stdout holds only the report. */
export const say = (message: string) => console.error(`bench | ${message}`);

export const sleep = (ms: number) => new Promise((resolvePromise) => setTimeout(resolvePromise, ms));

// ---------------------------------------------------------------- cleanup

/**
 * What a run has set up, undone in reverse order by `close()`, once however often it is called
 * (the finally of a run and a Ctrl-C may both call it). A step that fails is logged and the rest
 * still run.
 */
export class Cleanup {
  private readonly steps: Array<() => unknown> = [];
  private closing: Promise<void> | undefined;

  constructor(private readonly log: (message: string) => void = say) {}

  /** Steps run last-added first. */
  add(...steps: Array<() => unknown>): void {
    this.steps.push(...steps);
  }

  /** Ctrl-C or SIGTERM: everything undone, then exit 130. */
  closeOnSignals(): void {
    closeOnSignals(() => this.close());
  }

  close(): Promise<void> {
    return (this.closing ??= (async () => {
      for (const step of this.steps.splice(0).reverse()) {
        await Promise.resolve()
          .then(step)
          .catch((err: unknown) => this.log(`cleanup: ${String(err)}`));
      }
    })());
  }
}

/** Ctrl-C or SIGTERM: `close`, then exit 130. Returns the undo, for a stack closed meanwhile. */
export function closeOnSignals(close: () => Promise<unknown>): () => void {
  const onSignal = () => void close().finally(() => process.exit(130));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, onSignal);
  return () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.off(signal, onSignal);
  };
}

// ---------------------------------------------------------------- waiting

export interface WaitOptions {
  /** Between two checks; default 250 ms. */
  everyMs?: number;
  /** Ends the wait early, by throwing. */
  signal?: AbortSignal;
  /** Said every 10 s while waiting: how far it got. */
  progress?: () => string;
}

/**
 * Checks until `check` is true; throws after `timeoutMs`, naming what it waited for and its last
 * error. An error counts as "not yet": a server that is restarting answers again later.
 */
export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, options: WaitOptions = {}): Promise<void> {
  const started = Date.now();
  let reported = started;
  let lastError: unknown;
  for (;;) {
    const done = await Promise.resolve()
      .then(check)
      .catch((err: unknown) => ((lastError = err), false));
    if (done) return;
    if (Date.now() - started > timeoutMs) {
      const progress = options.progress ? ` (${options.progress()})` : '';
      throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${progress}${lastError === undefined ? '' : `; last error: ${lastError instanceof Error ? lastError.message : JSON.stringify(lastError)}`}`);
    }
    if (options.progress && Date.now() - reported >= 10_000) {
      say(`${what}: ${options.progress()} (${Math.round((Date.now() - started) / 1000)} s)`);
      reported = Date.now();
    }
    await pause(options.everyMs ?? 250, options.signal);
  }
}

/** A delay that ends early, by throwing, when `signal` aborts. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    if (signal?.aborted) return reject(new Error('aborted'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolvePromise();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

// ---------------------------------------------------------------- load

export interface Round {
  perSec: number;
  latencies: number[];
}

/** Runs `call` `requests` times with `concurrency` in flight; every call must succeed. */
export async function measure(call: (i: number) => Promise<void>, requests: number, concurrency: number): Promise<Round> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        const i = next++;
        const t = performance.now();
        await call(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { perSec: requests / ((performance.now() - started) / 1000), latencies };
}

export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]).finally(() => clearTimeout(timer));
}

export async function tail(file: string, lines = 40): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(-lines).join('\n');
}

/** The last lines of every `.log` in `dir`: what a stack that failed to start says about why. */
export async function sayLogTails(dir: string): Promise<void> {
  for (const name of (await readdir(dir).catch(() => [])).filter((n) => n.endsWith('.log'))) say(`${name} (last lines):\n${await tail(join(dir, name))}`);
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

/** A started process as a Child: `exitCode` is set, and `exited` settles, when it ends. */
export function childOf(proc: ChildProcess): Child {
  const child: Child = {
    process: proc,
    pid: proc.pid ?? NaN,
    exitCode: undefined,
    exited: new Promise((resolvePromise) => proc.once('exit', (code, signal) => ((child.exitCode = code ?? signal ?? 'unknown'), resolvePromise()))),
  };
  return child;
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
  const child = childOf(proc);
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
