import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * What identifies this build of the worker: `<package version>+<git commit>`. `npm run build`
 * writes it into dist/build-info.json, because a Docker image has no .git: there the commit comes
 * from the GIT_COMMIT build argument, and without one from a hash of the compiled code
 * (`<version>+code.<sha256 prefix>`), which changes exactly when the code does.
 */
export interface BuildInfo {
  version: string;
  /** Short git commit, or `code.<hash>` where no commit is known. */
  source: string;
}

export const BUILD_INFO_FILE = 'build-info.json';

/** `WORKER_BUILD_ID` when set, else the build's own identity. */
export function resolveBuildId(explicit: string | undefined, distDir = resolve(__dirname, '..')): string {
  if (explicit) return explicit;
  const info = readBuildInfo(distDir) ?? describeBuild(resolve(distDir, '..'), join(resolve(distDir, '..'), 'src'));
  return `${info.version}+${info.source}`;
}

function readBuildInfo(distDir: string): BuildInfo | undefined {
  const file = join(distDir, BUILD_INFO_FILE);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as BuildInfo;
}

/** Run at build time (and from source, e.g. under jest, where there is no dist/build-info.json). */
export function describeBuild(projectDir: string, codeDir: string): BuildInfo {
  const { version } = JSON.parse(readFileSync(join(projectDir, 'package.json'), 'utf8')) as { version: string };
  return { version, source: process.env.GIT_COMMIT?.slice(0, 12) || gitCommit(projectDir) || `code.${hashTree(codeDir).slice(0, 12)}` };
}

function gitCommit(projectDir: string): string | undefined {
  if (!existsSync(join(projectDir, '.git'))) return undefined;
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: projectDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** sha256 over every file's path and content under `dir`, in a fixed order. */
function hashTree(dir: string): string {
  const hash = createHash('sha256');
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name !== BUILD_INFO_FILE && !entry.name.endsWith('.map')) hash.update(path.slice(dir.length)).update(readFileSync(path));
    }
  };
  walk(dir);
  return hash.digest('hex');
}
