import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findOnPath, goBuild, isExecutable } from './go-install';

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

  const moduleDir = join(projectDir, '.temporal', 'seaweedfs-module');
  await mkdir(moduleDir, { recursive: true });
  // Generated, never committed: the wrapper requires the module and repeats its replace directive.
  await writeFile(join(moduleDir, 'go.mod'), `module wavflow.local/seaweedfs\n\ngo 1.26\n\n${REPLACES.map((r) => `replace ${r}`).join('\n')}\n`);
  const env = { GOFLAGS: '-mod=mod' };
  const draft = `${cached}.${process.pid}`;
  await goBuild({
    what: `SeaweedFS (${SEAWEEDFS_MODULE}@${SEAWEEDFS_VERSION})`,
    expected: 'a few minutes',
    binDir,
    logFile: join(projectDir, '.temporal', 'go-install.log'),
    log,
    steps: [
      { args: ['get', `${SEAWEEDFS_MODULE}/weed@${SEAWEEDFS_VERSION}`], cwd: moduleDir, env },
      { args: ['build', '-trimpath', '-ldflags=-s -w', '-o', draft, `${SEAWEEDFS_MODULE}/weed`], cwd: moduleDir, env },
    ],
  });
  await rename(draft, cached);
  return cached;
}
