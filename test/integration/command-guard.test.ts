import { checkCommands } from '../support/histories/check';
import { formatReport } from '../support/histories/guard';
import { ScenarioHarness } from '../support/scenarios';

/**
 * The guard a reviewer can trust (also `npm run check:commands`): every scenario of the frozen
 * histories, played on this code with the scenario harness, issues the commands the last release
 * issued, unless the change is behind a new patched() id or declared pinned-only in CHANGELOG.md.
 */
let harness: ScenarioHarness;
beforeAll(async () => {
  harness = await ScenarioHarness.start({
    address: process.env.WAVFLOW_TEST_TEMPORAL_ADDRESS as string,
    workflowBundlePath: process.env.WAVFLOW_TEST_WORKFLOW_BUNDLE as string,
  });
});
afterAll(async () => {
  await harness?.stop();
});

test('this code issues the last release\'s commands in every scenario, or says why not', async () => {
  const report = await checkCommands(harness);
  const problems = [...report.unexplained.map((c) => c.file), ...report.missing];
  if (problems.length) throw new Error(formatReport(report));
  expect(report.unchanged.length + report.changes.length).toBeGreaterThanOrEqual(43);
}, 180_000);
