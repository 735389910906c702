import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { projectDir, say } from '../support';

/**
 * A built checkout of a release (default v0.1.0), for measuring it beside this tree in the same
 * run. Made once from the tag (`git archive`, `npm ci`, `npm run build`, about 2 minutes) into
 * `$XDG_CACHE_HOME/wavflow-bench/<tag>-<commit>` (default `~/.cache/...`), outside the repository so
 * neither jest nor eslint nor tsc ever sees a second wavflow; reused by later runs.
 */
export const BASELINE_RELEASE = 'v0.1.0';

export async function releaseCheckout(tag = BASELINE_RELEASE): Promise<string> {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: projectDir, encoding: 'utf8' }).trim();
  const commit = git('rev-parse', `${tag}^{commit}`);
  const cacheRoot = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'wavflow-bench');
  const dir = join(cacheRoot, `${tag}-${commit.slice(0, 12)}`);
  const ready = join(dir, '.built');
  if (existsSync(ready)) return dir;
  say(`${tag}: building a checkout of ${commit.slice(0, 12)} into ${dir} (git archive, npm ci, npm run build; about 2 minutes, once)`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const log = join(dir, 'prepare.log');
  const run = (command: string, args: string[], cwd: string) => {
    const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, CI: 'true' } });
    writeFileSync(log, `$ ${command} ${args.join(' ')}\n${result.stdout}${result.stderr}\n`, { flag: 'a' });
    if (result.status !== 0) throw new Error(`${tag}: \`${command} ${args.join(' ')}\` failed (${result.status ?? result.signal}); see ${log}`);
  };
  run('sh', ['-c', `git -C "${projectDir}" archive --format=tar ${commit} | tar -x -C "${dir}"`], dir);
  run('npm', ['ci', '--no-audit', '--no-fund'], dir);
  run('npm', ['run', 'build'], dir);
  writeFileSync(ready, `${commit}\n`);
  return dir;
}
