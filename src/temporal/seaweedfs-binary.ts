import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, rename, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/**
 * SeaweedFS, the S3-compatible store the tests and benchmarks run against (Apache-2.0). Its module
 * publishes no tags the Go proxy resolves, so this is the pseudo-version of the build used.
 */
export const SEAWEEDFS_MODULE = 'github.com/seaweedfs/seaweedfs';
export const SEAWEEDFS_VERSION = 'v0.0.0-20261109003541-7506e5f91cd6';
/**
 * The module's go.mod carries this replace directive, so `go install module@version` refuses it:
 * it is built inside a wrapper module that repeats the directive.
 */
const REPLACES = ['github.com/tyler-smith/go-bip39 => github.com/cosmos/go-bip39 v1.0.0'];

export interface ObtainSeaweedFsOptions {
  /** The project's root: the binary is cached as `<projectDir>/.temporal/bin/weed`. */
  projectDir: string;
  /** An explicit binary (SEAWEEDFS_PATH); used as is when given. */
  explicitPath?: string | undefined;
  log: (message: string) => void;
}

/**
 * Finds the `weed` binary: an explicit path, then PATH, then the project cache; otherwise builds it
 * once into the cache with Go (a few minutes; the module cache makes later builds quick).
 */
export async function obtainSeaweedFs({ projectDir, explicitPath, log }: ObtainSeaweedFsOptions): Promise<string> {
  if (explicitPath) {
    if (await isExecutable(explicitPath)) return explicitPath;
    throw new Error(`SEAWEEDFS_PATH=${explicitPath} is not an executable file`);
  }
  const onPath = await findOnPath('weed');
  if (onPath) return onPath;
  const binDir = join(projectDir, '.temporal', 'bin');
  const cached = join(binDir, 'weed');
  if (await isExecutable(cached)) return cached;

  // Go's default install location, for shells whose PATH was not extended by a login profile.
  const go = (await findOnPath('go')) ?? ((await isExecutable('/usr/local/go/bin/go')) ? '/usr/local/go/bin/go' : undefined);
  if (!go) throw new Error('cannot obtain SeaweedFS: `weed` is not on PATH and Go is not installed to build it (or set SEAWEEDFS_PATH)');
  const moduleDir = join(projectDir, '.temporal', 'seaweedfs-module');
  await mkdir(moduleDir, { recursive: true });
  await mkdir(binDir, { recursive: true });
  log(`SeaweedFS not found on PATH or in ${binDir}; building ${SEAWEEDFS_MODULE}@${SEAWEEDFS_VERSION} with Go (a few minutes, once)`);
  const started = Date.now();
  // Generated, never committed: the wrapper requires the module and repeats its replace directive.
  await writeFile(join(moduleDir, 'go.mod'), `module wavflow.local/seaweedfs\n\ngo 1.26\n\n${REPLACES.map((r) => `replace ${r}`).join('\n')}\n`);
  const env = { ...process.env, GOFLAGS: '-mod=mod' };
  await run(go, ['get', `${SEAWEEDFS_MODULE}/weed@${SEAWEEDFS_VERSION}`], moduleDir, env);
  const draft = `${cached}.${process.pid}`;
  await run(go, ['build', '-trimpath', '-ldflags=-s -w', '-o', draft, `${SEAWEEDFS_MODULE}/weed`], moduleDir, env);
  await rename(draft, cached);
  log(`SeaweedFS built in ${Math.round((Date.now() - started) / 1000)} s: ${cached}`);
  return cached;
}

async function findOnPath(command: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && (await isExecutable(join(dir, command)))) return join(dir, command);
  }
  return undefined;
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** Runs a command quietly (`go get` lists every module it adds); its last output lines go into the error. */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output}`))));
  });
}
