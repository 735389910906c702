import { spawn } from 'node:child_process';
import { constants, createWriteStream } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';

/**
 * Builds of the Go programs the project runs (the Temporal CLI, server and UI server, SeaweedFS)
 * into its cache, for machines where no release archive is reachable. One line says what is built
 * and roughly how long it takes; Go's progress (`go: downloading …`, hundreds of lines) goes to a
 * log file, not the terminal.
 */
export interface GoInstallOptions {
  /** Package paths with their version, all of one module (`go install` builds them together). */
  packages: string[];
  /** Where the binaries go (GOBIN). */
  binDir: string;
  /** Go's own output. */
  logFile: string;
  /** What is being built, for the one line shown while Go works. */
  what: string;
  /** How long it usually takes, for that line. */
  expected: string;
  log: (message: string) => void;
}

/** Builds the packages; resolves with the build's wall time in seconds. */
export async function goInstall(options: GoInstallOptions): Promise<number> {
  return goBuild({ ...options, steps: [{ args: ['install', ...options.packages], env: { GOBIN: options.binDir } }] });
}

export interface GoBuildOptions extends Omit<GoInstallOptions, 'packages'> {
  /** Go commands run one after the other (`go get`, `go build` in a module of one's own, …). */
  steps: Array<{ args: string[]; cwd?: string; env?: NodeJS.ProcessEnv }>;
}

/**
 * Runs Go commands that build something, saying once what is being built and roughly how long it
 * takes; their output goes to the log file. Resolves with the wall time in seconds.
 */
export async function goBuild(options: GoBuildOptions): Promise<number> {
  const go = await findGo();
  if (!go) throw new Error(`cannot build ${options.what}: Go is not installed (https://go.dev/dl, or apt-get install golang)`);
  await mkdir(options.binDir, { recursive: true });
  await mkdir(dirname(options.logFile), { recursive: true });
  options.log(`building ${options.what} with Go (${options.expected}, once; Go's output goes to ${options.logFile})`);
  const started = Date.now();
  const out = createWriteStream(options.logFile, { flags: 'a' });
  await new Promise<void>((resolve) => out.once('open', () => resolve()));
  try {
    for (const step of options.steps) {
      out.write(`\n# ${new Date().toISOString()} go ${step.args.join(' ')}\n`);
      await new Promise<void>((resolve, reject) => {
        const child = spawn(go, step.args, { cwd: step.cwd, env: { ...process.env, ...step.env }, stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout.pipe(out, { end: false });
        child.stderr.pipe(out, { end: false });
        child.on('error', reject);
        child.on('exit', (code) =>
          code === 0 ? resolve() : reject(new Error(`go ${step.args[0]} for ${options.what} exited with ${code}; see ${options.logFile}`)),
        );
      });
    }
  } finally {
    await new Promise<void>((resolve) => out.end(() => resolve()));
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  options.log(`${options.what} built in ${seconds} s`);
  return seconds;
}

/** Go on PATH, or at its default install location for shells whose PATH a login profile did not extend. */
export async function findGo(): Promise<string | undefined> {
  return (await findOnPath('go')) ?? ((await isExecutable('/usr/local/go/bin/go')) ? '/usr/local/go/bin/go' : undefined);
}

/** Where `go` keeps downloaded module sources (read-only files). */
export async function goModCache(): Promise<string> {
  const go = await findGo();
  if (!go) throw new Error('Go is not installed');
  return (await output(go, ['env', 'GOMODCACHE'])).trim();
}

export async function findOnPath(command: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && (await isExecutable(join(dir, command)))) return join(dir, command);
  }
  return undefined;
}

export async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

function output(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`))));
  });
}
