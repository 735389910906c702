import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findOnPath, goInstall, isExecutable } from './go-install';

/** Later tags carry a replace directive in go.mod and cannot be `go install`ed. */
export const TEMPORAL_CLI_VERSION = '1.5.1';

export interface ObtainCliOptions {
  /** The project's root: the cache is `<projectDir>/.temporal/bin/temporal`. */
  projectDir: string;
  /** An explicit binary (TEMPORAL_CLI_PATH); used as is when given. */
  explicitPath?: string | undefined;
  log: (message: string) => void;
}

/**
 * Finds the Temporal CLI: an explicit path, then PATH, then the project cache; otherwise obtains it
 * once into the cache, from Temporal's release archive or, where that is unreachable, with go install.
 */
export async function obtainTemporalCli({ projectDir, explicitPath, log }: ObtainCliOptions): Promise<string> {
  if (explicitPath) {
    if (await isExecutable(explicitPath)) return explicitPath;
    throw new Error(`TEMPORAL_CLI_PATH=${explicitPath} is not an executable file`);
  }
  const onPath = await findOnPath('temporal');
  if (onPath) return onPath;

  const binDir = join(projectDir, '.temporal', 'bin');
  const cached = join(binDir, 'temporal');
  if (await isExecutable(cached)) return cached;

  await mkdir(binDir, { recursive: true });
  log(`Temporal CLI not found on PATH or in ${binDir}; downloading v${TEMPORAL_CLI_VERSION} from Temporal's release archive`);
  const downloadError = await downloadRelease(binDir, cached).then(
    () => undefined,
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  );
  if (!downloadError) {
    log(`Temporal CLI downloaded to ${cached}`);
    return cached;
  }
  log(`download failed (${downloadError})`);
  await goInstall({
    packages: [`github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`],
    binDir,
    logFile: join(projectDir, '.temporal', 'go-install.log'),
    what: `the Temporal CLI v${TEMPORAL_CLI_VERSION}`,
    expected: 'a few minutes',
    log,
  });
  if (!(await isExecutable(cached))) throw new Error(`go install finished but ${cached} is missing`);
  return cached;
}

async function downloadRelease(binDir: string, target: string): Promise<void> {
  const platform = { linux: 'linux', darwin: 'darwin', win32: 'windows' }[process.platform as string];
  const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch as string];
  if (!platform || !arch) throw new Error(`no release archive for ${process.platform}/${process.arch}`);
  const url = `https://temporal.download/cli/archive/v${TEMPORAL_CLI_VERSION}?platform=${platform}&arch=${arch}`;
  const response = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  if (!response.ok) throw new Error(`archive answered HTTP ${response.status}`);
  const work = await mkdtemp(join(binDir, 'download-'));
  try {
    const archive = join(work, 'temporal.tar.gz');
    await writeFile(archive, Buffer.from(await response.arrayBuffer()));
    await run('tar', ['-xzf', archive, '-C', work, 'temporal'], process.env);
    await chmod(join(work, 'temporal'), 0o755);
    await rename(join(work, 'temporal'), target);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`))));
  });
}
