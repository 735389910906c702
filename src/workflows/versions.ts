import { patched } from '@temporalio/workflow';

/**
 * Every change to the commands convertToWav issues, oldest first, as the patch id that marks a
 * run started on code that has it. Running conversions replay new code on deploy, so each run
 * keeps the commands of the version it started on: a run decides once, in its first workflow
 * task, and a history recorded before a change replays down the path it was recorded on.
 *
 * Later changes include the earlier ones, so a new run records one marker only: the newest.
 * Add a change at the end; never remove or reorder one while histories with it may still run
 * (test/fixtures/histories/ holds one per path of every release).
 */
export const COMMAND_CHANGES = [
  // 0.2: the input, the carried state and signals are checked; a bad input fails at once.
  'checked-inputs',
  // 0.2: waits are bounded: the history is checked while submitting, waiting and downloading;
  // each poll is bounded by the poll interval; failure callbacks are confirmed by record-info.
  'bounded-waits',
  // 0.2: fewer commands: the task id and the waiting phase in one upsert; a closing phase left to
  // Temporal's execution status; a continued run starts with its search attributes; no timer
  // when news is already in.
  'fewer-commands',
  // 0.2: a download stopped for a continue-as-new keeps its partial file and hands its checkpoint
  // to the next run, which resumes it; a conversion cancelled while downloading removes the
  // partial file with its own activity (discardPartialWav).
  'kept-partials',
] as const;

export type CommandChange = (typeof COMMAND_CHANGES)[number];

/** The changes this run has: call once, at the start of the workflow. */
export function commandChanges(): ReadonlySet<CommandChange> {
  for (let i = COMMAND_CHANGES.length - 1; i >= 0; i--) {
    const change = COMMAND_CHANGES[i] as CommandChange;
    if (patched(change)) return new Set(COMMAND_CHANGES.slice(0, i + 1));
  }
  return new Set();
}
