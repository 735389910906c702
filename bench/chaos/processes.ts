import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

/**
 * wavflow's own processes (`wavflow worker`, `wavflow server`), started from the built CLI with
 * their configuration in environment variables, as an operator would run them.
 */

/** The CLI `npm run build` produces; the chaos run and its test use the same one. */
export function builtCli(projectDir: string): string {
  const cli = resolve(projectDir, 'dist/cli.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);
  return cli;
}

/** Only what a process needs from the parent's environment: nothing else leaks into its configuration. */
const INHERITED = ['PATH', 'HOME', 'TMPDIR', 'TEMPORAL_CLI_PATH'];

export class CliProcess {
  private child: ChildProcess | undefined;
  private exit: Promise<void> = Promise.resolve();
  /** Processes started so far under this name (restarts included). */
  starts = 0;
  /** Exits nobody asked for (a crash), with their exit code or signal. */
  readonly crashes: string[] = [];
  private stopping = false;
  private logOffset = 0;

  constructor(
    readonly name: string,
    private readonly cliPath: string,
    private readonly command: string,
    private readonly env: Record<string, string>,
    private readonly logFile: string,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Whether this process (since its latest start) has logged a line with this `msg`. */
  async hasLogged(msg: string): Promise<boolean> {
    const text = await readFile(this.logFile, 'utf8').catch(() => '');
    return text.slice(this.logOffset).includes(`"msg":${JSON.stringify(msg)}`);
  }

  start(): void {
    if (this.running) throw new Error(`${this.name} is already running`);
    this.logOffset = existsSync(this.logFile) ? statSync(this.logFile).size : 0;
    const inherited = Object.fromEntries(INHERITED.flatMap((k) => (process.env[k] ? [[k, process.env[k]]] : [])));
    const log = openSync(this.logFile, 'a');
    const child = spawn(process.execPath, [this.cliPath, this.command], { env: { ...inherited, ...this.env }, stdio: ['ignore', log, log] });
    closeSync(log);
    this.child = child;
    this.starts++;
    this.stopping = false;
    this.exit = new Promise((done) =>
      child.once('exit', (code, signal) => {
        if (!this.stopping) this.crashes.push(`${this.name} exited with ${code ?? signal}`);
        done();
      }),
    );
  }

  /** SIGKILL: no shutdown of any kind, as when a machine dies. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    this.child?.kill('SIGKILL');
    await this.exit;
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    this.child?.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.exit;
    clearTimeout(timer);
  }

  async tail(lines = 30): Promise<string> {
    const text = await readFile(this.logFile, 'utf8').catch(() => '');
    return text.split('\n').slice(-lines).join('\n');
  }
}
