import { commandsOf, patchIdsOf } from './commands';

/** One history whose commands differ from the release's. */
export interface CommandChange {
  file: string;
  /** Index of the first differing command. */
  index: number;
  released: string | undefined;
  current: string | undefined;
  /** New patch ids recorded at or before the first difference: the change is behind patched(). */
  patchedBy: string[];
}

export interface GuardReport {
  release: string;
  /** Files compared and found identical. */
  unchanged: string[];
  changes: CommandChange[];
  /** Changes neither behind a new patched() id nor declared pinned-only: these fail the guard. */
  unexplained: CommandChange[];
  /** Histories the release has and this code did not record (a scenario renamed or removed). */
  missing: string[];
  /** Histories of scenarios newer than the release: nothing to compare yet. */
  added: string[];
  /** The release notes' pinned-only declaration, when there is one. */
  pinnedOnly: string | undefined;
}

/**
 * Compares the commands of the same scenarios recorded on the release and on this code. A
 * change passes only when a patch id that the release never recorded appears at or before the
 * first differing command (the new branch is behind `patched()`), or when the release notes
 * declare the change pinned-only.
 */
export function judgeCommands(
  release: string,
  released: ReadonlyMap<string, unknown>,
  current: ReadonlyMap<string, unknown>,
  pinnedOnly?: string,
): GuardReport {
  const releasedPatchIds = new Set([...released.values()].flatMap(patchIdsOf));
  const report: GuardReport = { release, unchanged: [], changes: [], unexplained: [], missing: [], added: [], pinnedOnly };
  for (const [file, history] of released) {
    const now = current.get(file);
    if (now === undefined) {
      report.missing.push(file);
      continue;
    }
    const [before, after] = [commandsOf(history), commandsOf(now)];
    const index = firstDifference(before, after);
    if (index === undefined) {
      report.unchanged.push(file);
      continue;
    }
    const patchedBy = after
      .slice(0, index + 1)
      .filter((command) => command.startsWith('RecordMarker core_patch '))
      .map((command) => command.slice('RecordMarker core_patch '.length))
      .filter((id) => !releasedPatchIds.has(id));
    const change = { file, index, released: before[index], current: after[index], patchedBy };
    report.changes.push(change);
    if (!patchedBy.length && pinnedOnly === undefined) report.unexplained.push(change);
  }
  report.added = [...current.keys()].filter((file) => !released.has(file));
  return report;
}

export function firstDifference(a: readonly string[], b: readonly string[]): number | undefined {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return undefined;
}

export function formatReport(report: GuardReport): string {
  const lines = [`commands of ${report.unchanged.length + report.changes.length} scenario histories compared with release ${report.release}`];
  const show = (c: CommandChange) =>
    `  ${c.file}: command ${c.index + 1} was ${c.released ?? '(none: the history ended)'} in ${report.release}, is ${c.current ?? '(none: the history ends)'} now`;
  for (const change of report.unexplained) lines.push(`CHANGED without patched():\n${show(change)}`);
  for (const change of report.changes.filter((c) => c.patchedBy.length)) lines.push(`changed behind patched('${change.patchedBy.join("', '")}'):\n${show(change)}`);
  if (report.pinnedOnly !== undefined) {
    for (const change of report.changes.filter((c) => !c.patchedBy.length)) lines.push(`changed, declared pinned-only (${report.pinnedOnly}):\n${show(change)}`);
  }
  for (const file of report.missing) lines.push(`not recorded now (scenario renamed or removed?): ${file}`);
  for (const file of report.added) lines.push(`new since ${report.release} (frozen at the next release): ${file}`);
  if (report.unexplained.length) {
    lines.push(
      'A running conversion replays the new code: put the new behaviour behind patched(\'<id>\') so that old histories keep ' +
        'the old commands, or declare the change "Pinned-only:" under "## Unreleased" in CHANGELOG.md (README: Keeping running workflows safe).',
    );
  }
  return lines.join('\n');
}
