import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { freezeRelease, HISTORIES_DIR } from '../test/support/histories/releases';
import { bundleWorkflows, historyFileNames, playAll, ScenarioHarness, scenarios } from '../test/support/scenarios';
import { findProjectDir, startScriptTemporal } from './temporal-for-script';

const USAGE = `usage: npm run record:histories -- <release> [--from <git ref>] [--out <dir>] [--only <scenario>]

Records every scenario of test/support/scenarios/catalogue.ts with the workflow code of <git ref>
(default v<release>, checked out into a temporary git worktree; "." is this working tree) and
freezes the histories into <dir>/<release>/ (default test/fixtures/histories/) with a SHA256SUMS
manifest. Refuses to write into a folder that exists.`;

const say = (message: string) => console.log(`record-histories | ${message}`);

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { from: { type: 'string' }, out: { type: 'string' }, only: { type: 'string', multiple: true }, help: { type: 'boolean' } },
  });
  const release = positionals[0];
  if (values.help || !release || positionals.length > 1) {
    console.log(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const out = values.out ?? HISTORIES_DIR;
  const ref = values.from ?? `v${release}`;
  const chosen = values.only ? scenarios.filter((s) => values.only?.includes(s.name)) : scenarios;
  if (values.only && chosen.length !== values.only.length) throw new Error(`unknown scenario in --only ${values.only.join(', ')}`);

  // Checked again when writing; refusing now saves recording what could not be kept.
  if (existsSync(join(out, release))) throw new Error(`${join(out, release)} exists: histories of a release are frozen; record a new release instead`);
  const projectDir = findProjectDir();
  const checkout = ref === '.' ? { dir: projectDir, remove: async () => {} } : await checkoutRef(projectDir, ref);
  const temporal = await startScriptTemporal(say);
  try {
    say(`bundling the workflows of ${ref === '.' ? 'this working tree' : `${ref} (${gitRev(projectDir, ref)})`}`);
    const bundle = await bundleWorkflows(checkout.dir);
    const harness = await ScenarioHarness.start({ address: temporal.address, workflowBundlePath: bundle });
    try {
      say(`playing ${chosen.length} scenarios`);
      const played = await playAll(harness, chosen);
      const files = new Map<string, string>();
      for (const one of played) {
        historyFileNames(one).forEach((name, index) => files.set(name, historyToJSON(one.histories[index] as never)));
      }
      const folder = await freezeRelease(release, files, out);
      say(`froze ${files.size} histories into ${folder}`);
    } finally {
      await harness.stop();
      await rm(bundle, { force: true });
    }
  } finally {
    await temporal.stop();
    await checkout.remove();
  }
}

/** A detached `git worktree` of `ref`: the code as released, untouched by this working tree. */
async function checkoutRef(projectDir: string, ref: string) {
  const dir = join(await mkdtemp(join(tmpdir(), 'wavflow-release-')), 'checkout');
  execFileSync('git', ['worktree', 'add', '--detach', dir, ref], { cwd: projectDir, stdio: 'ignore' });
  return {
    dir,
    remove: async () => {
      execFileSync('git', ['worktree', 'remove', '--force', dir], { cwd: projectDir, stdio: 'ignore' });
      await rm(join(dir, '..'), { recursive: true, force: true });
    },
  };
}

const gitRev = (projectDir: string, ref: string) => execFileSync('git', ['rev-parse', '--short', `${ref}^{commit}`], { cwd: projectDir, encoding: 'utf8' }).trim();

main().catch((err: unknown) => {
  console.error(`record-histories | ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
