import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** How to run one long-lived program (a Temporal service, PostgreSQL, the UI server, the dev server, SeaweedFS). */
export interface ServiceSpec {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as this user (PostgreSQL refuses to run as root). */
  uid?: number;
  gid?: number;
  /** Its stdout and stderr, appended; discarded when absent. */
  logFile?: string | undefined;
  /** The signal of an orderly stop: SIGTERM for Temporal, SIGINT (fast shutdown) for PostgreSQL. */
  stopSignal: NodeJS.Signals;
}

/**
 * One program, started and stopped by whoever owns it (the cluster, `wavflow dev`, the tests'
 * global setup), and killable on purpose (chaos). It runs in a process group of its own, so a terminal's Ctrl-C reaches only the
 * owner, which then stops everything in order; if the owner exits without doing so, the program is
 * killed with it.
 */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private expectingExit = false;
  private readonly killOnOwnerExit = () => this.child?.kill('SIGKILL');
  /** Exits nobody asked for, as "<name> exited with <code or signal>". */
  readonly crashes: string[] = [];
  /** Called on an exit nobody asked for. */
  onCrash: ((description: string) => void) | undefined;
  private crashWaiters: Array<(description: string) => void> = [];

  constructor(
    readonly name: string,
    private readonly spec: ServiceSpec,
  ) {}

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    if (this.running) throw new Error(`${this.name} is already running`);
    const log = this.spec.logFile === undefined ? 'ignore' : openSync(this.spec.logFile, 'a');
    const { uid, gid } = this.spec;
    let child: ChildProcess;
    try {
      child = spawn(this.spec.command, this.spec.args, {
        env: this.spec.env ?? process.env,
        cwd: this.spec.cwd,
        stdio: ['ignore', log, log],
        detached: true,
        ...(uid !== undefined ? { uid } : {}),
        ...(gid !== undefined ? { gid } : {}),
      });
    } finally {
      if (typeof log === 'number') closeSync(log);
    }
    this.child = child;
    this.expectingExit = false;
    process.once('exit', this.killOnOwnerExit);
    this.exited = new Promise((resolve) => {
      const done = (description: string) => {
        process.removeListener('exit', this.killOnOwnerExit);
        if (!this.expectingExit) {
          this.crashes.push(description);
          this.onCrash?.(description);
          for (const waiter of this.crashWaiters.splice(0)) waiter(description);
        }
        resolve();
      };
      child.once('exit', (code, signal) => done(`${this.name} exited with ${code ?? signal}`));
      // A program that cannot be started at all (a missing binary) has no exit event.
      child.once('error', (err) => {
        if (child.pid === undefined) done(`${this.name} could not start: ${err.message}`);
      });
    });
  }

  /** Waits for `ready`; an exit nobody asked for before it fails the wait, naming the log. */
  untilReady<T>(ready: Promise<T>): Promise<T> {
    const crashed = new Promise<never>((_, reject) =>
      this.crashWaiters.push((crash) => reject(new Error(`${crash} before it was ready${this.spec.logFile ? `; see ${this.spec.logFile}` : ''}`))),
    );
    return Promise.race([ready, crashed]);
  }

  /** Sends `signal` and waits for the exit: SIGKILL is a machine dying, with no shutdown of any kind. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running) return;
    this.expectingExit = true;
    this.child?.kill(signal);
    await this.exited;
  }

  /** The orderly stop, then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.expectingExit = true;
    this.child?.kill(this.spec.stopSignal);
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Marks the next exit as asked for, when something else (pg_ctl) stops the program. */
  expectExit(): Promise<void> {
    this.expectingExit = true;
    return this.exited;
  }

  async tail(lines = 20): Promise<string> {
    if (this.spec.logFile === undefined) return '';
    const text = await readFile(this.spec.logFile, 'utf8').catch(() => '');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  }
}
