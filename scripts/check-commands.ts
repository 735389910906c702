import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { checkCommands } from '../test/support/histories/check';
import { formatReport } from '../test/support/histories/guard';
import { bundleWorkflows, ScenarioHarness } from '../test/support/scenarios';
import { findProjectDir, startScriptTemporal } from './temporal-for-script';

/**
 * `npm run check:commands [-- <checkout dir>]`: records every scenario on this working tree's
 * workflow code (or another checkout's, e.g. a colleague's worktree) and diffs each one's commands
 * against the last release's frozen histories. Exit 1 when a command changed without a new
 * patched() id (or a pinned-only declaration in CHANGELOG.md).
 */
async function main(): Promise<number> {
  const checkout = resolve(process.argv[2] ?? findProjectDir());
  const temporal = await startScriptTemporal((message) => console.log(`check-commands | ${message}`));
  console.log(`check-commands | workflows of ${checkout}`);
  const bundle = await bundleWorkflows(checkout);
  const harness = await ScenarioHarness.start({ address: temporal.address, workflowBundlePath: bundle });
  try {
    const report = await checkCommands(harness);
    console.log(formatReport(report));
    return report.unexplained.length || report.missing.length ? 1 : 0;
  } finally {
    await harness.stop();
    await rm(bundle, { force: true });
    await temporal.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`check-commands | ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
