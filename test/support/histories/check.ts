import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { historyFileNames, playAll, scenarios, type ScenarioHarness } from '../scenarios';
import { judgeCommands, type GuardReport } from './guard';
import { HISTORIES_DIR, latestRelease, readReleaseHistories } from './releases';
import { pinnedOnlyDeclaration } from './release-notes';

/**
 * The command guard: records every scenario on the harness's workflow bundle (this code) and
 * compares each history's commands with the last release's frozen one.
 */
export async function checkCommands(harness: ScenarioHarness, dir = HISTORIES_DIR): Promise<GuardReport> {
  const release = latestRelease(dir);
  if (!release) throw new Error(`no release folder under ${dir}`);
  const played = await playAll(harness, scenarios);
  const current = new Map(played.flatMap((one) => historyFileNames(one).map((file, index) => [file, one.histories[index]] as const)));
  const changelog = await readFile(join(dir, '../../../CHANGELOG.md'), 'utf8');
  return judgeCommands(release, await readReleaseHistories(release, dir), current, pinnedOnlyDeclaration(changelog));
}
