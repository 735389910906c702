import { absent, arrayOf, boolean, httpUrl, instant, integer, isRecord, object, oneOf, optional, runCheck, text, unknownValue, type Check } from './json-checks';
import { MAX_URL_REFRESHES, PHASES, type CarriedDownload, type ConversionStatus } from './messages';

/**
 * The status a run hands to the next one through continue-as-new. Only a run's own
 * continue-as-new may carry it: the state decides what is downloaded and where, so a start that
 * brings its own is refused, and a carried state must have the shape this code writes.
 */

const count = integer({ min: 0 });
const longText = text({ max: 64 * 1024 });
const BOUNDED_LIST = 100;

/** Fields renamed since a state was carried: new name → old name. A run continued from older code may still use the old one. */
export const RENAMED_FIELDS: Readonly<Record<string, string>> = {};

/** `value` with `renames`' old names read under their new ones, so a state carried by older code still reads. */
export function withRenames(value: unknown, renames: Readonly<Record<string, string>>): unknown {
  if (!isRecord(value)) return value;
  const renamed: Record<string, unknown> = { ...value };
  for (const [name, old] of Object.entries(renames)) {
    if (!(name in renamed) && old in renamed) renamed[name] = renamed[old];
    delete renamed[old];
  }
  return renamed;
}

const statusFields = object({
  conversionId: text({ min: 1 }),
  phase: oneOf(PHASES),
  phases: arrayOf(object({ phase: oneOf(PHASES), at: instant }), { min: 1, max: PHASES.length * 4 }),
  taskId: optional(text()),
  audioId: optional(text()),
  wavTaskId: optional(text({ min: 1 })),
  adopted: optional(boolean),
  callbacks: object({ received: count, duplicates: count, mismatched: count, withoutUrl: count, malformed: count }),
  // Runs on 0.1.0 kept callbacks as signalled, unchecked: only what this code reads is checked.
  ignoredCallbacks: arrayOf(object({ reason: oneOf(['other-task', 'after-outcome', 'no-url']), taskId: unknownValue, code: unknownValue, msg: unknownValue, at: instant }), { max: BOUNDED_LIST }),
  malformedCallbacks: arrayOf(object({ body: longText, error: longText, at: instant }), { max: BOUNDED_LIST }),
  polls: count,
  downloadAttempts: count,
  urlRefreshes: integer({ min: 0, max: MAX_URL_REFRESHES }),
  runs: integer({ min: 1 }),
  startedAt: instant,
  deadlineAt: instant,
  nextPollAt: optional(instant),
  answeredAt: optional(instant),
  answeredBy: optional(oneOf(['callback', 'poll'])),
  // A run continues as new only while it still works: nothing is finished yet.
  completedAt: absent,
  result: absent,
  failure: absent,
});

/** A download's checkpoint names its upload's parts (about 40 bytes each): far below this. */
const MAX_CHECKPOINT_CHARS = 256 * 1024;
const checkpoint: Check<unknown> = (value, path, issues) => {
  if ((JSON.stringify(value) ?? '').length > MAX_CHECKPOINT_CHARS) issues.push({ path, message: `at most ${MAX_CHECKPOINT_CHARS} characters of JSON` });
  return value;
};
// The activity reads the checkpoint itself, as it reads its heartbeat: it is only passed on here.
const carriedDownloadFields = object({ url: httpUrl({ max: 8 * 1024 }), resume: optional(checkpoint) });

export type CarriedStatus = { ok: true; status: ConversionStatus; download?: CarriedDownload } | { ok: false; error: string };

/**
 * The carried state, if this run may have it: this run continued an earlier one (Temporal says
 * so; a continue-as-new cannot change the workflow id), and the state has the shape this code
 * writes. A carried download
 * comes only with a carried state, in the downloading phase.
 */
export function checkCarried(
  { carried, carriedDownload }: { carried?: unknown; carriedDownload?: unknown },
  run: { workflowId: string; continuedFromExecutionRunId?: string | undefined },
): CarriedStatus {
  if (carried === undefined) return { ok: false, error: 'carriedDownload: only with the carried state of the run that was downloading' };
  if (!run.continuedFromExecutionRunId) return { ok: false, error: 'carried: only a continue-as-new of this conversion may carry state' };
  const parsed = runCheck(statusFields, withRenames(carried, RENAMED_FIELDS), 'carried');
  if (!parsed.ok) return parsed;
  // A continue-as-new keeps the workflow id, so the state is this conversion's (a replay may run it
  // under another id: the id is taken, never checked, lest the commands depend on it).
  const status = { ...(parsed.value as ConversionStatus), conversionId: run.workflowId };
  if (carriedDownload === undefined) return { ok: true, status };
  const download = runCheck(carriedDownloadFields, carriedDownload, 'carriedDownload');
  if (!download.ok) return download;
  if (status.phase !== 'downloading' || !status.wavTaskId) return { ok: false, error: 'carriedDownload: only a run that was downloading may hand a download on' };
  return { ok: true, status, download: download.value };
}
