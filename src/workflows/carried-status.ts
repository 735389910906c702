import { z } from 'zod';
import { describeIssues } from './input';
import { MAX_URL_REFRESHES, PHASES, type CarriedDownload, type ConversionStatus } from './messages';

/**
 * The status a run hands to the next one through continue-as-new. Only a run's own
 * continue-as-new may carry it: the state decides what is downloaded and where, so a start that
 * brings its own is refused, and a carried state must have the shape this code writes.
 */

const count = z.number().int().min(0);
const instant = z.iso.datetime();
const text = z.string().max(64 * 1024);

/** Fields renamed since a state was carried: new name → old name. A run continued from older code may still use the old one. */
export const RENAMED_FIELDS: Readonly<Record<string, string>> = {};

/** Reads `renames`' old names under their new ones, so a state carried by older code still parses. */
export function withRenames<T extends z.ZodType>(schema: T, renames: Readonly<Record<string, string>>) {
  return z.preprocess((value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    const renamed: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const [name, old] of Object.entries(renames)) {
      if (!(name in renamed) && old in renamed) renamed[name] = renamed[old];
      delete renamed[old];
    }
    return renamed;
  }, schema);
}

const statusSchema = z.object({
  conversionId: z.string().min(1),
  phase: z.enum(PHASES),
  phases: z.array(z.object({ phase: z.enum(PHASES), at: instant })).min(1).max(PHASES.length * 4),
  taskId: z.string().optional(),
  audioId: z.string().optional(),
  wavTaskId: z.string().min(1).optional(),
  adopted: z.boolean().optional(),
  callbacks: z.object({ received: count, duplicates: count, mismatched: count, withoutUrl: count, malformed: count }),
  ignoredCallbacks: z
    // Runs on 0.1.0 kept callbacks as signalled, unchecked: only what this code reads is checked.
    .array(z.object({ reason: z.enum(['other-task', 'after-outcome', 'no-url']), taskId: z.unknown(), code: z.unknown(), msg: z.unknown(), at: instant }))
    .max(100),
  malformedCallbacks: z.array(z.object({ body: text, error: text, at: instant })).max(100),
  polls: count,
  downloadAttempts: count,
  urlRefreshes: count.max(MAX_URL_REFRESHES),
  runs: z.number().int().min(1),
  startedAt: instant,
  deadlineAt: instant,
  nextPollAt: instant.optional(),
  answeredAt: instant.optional(),
  answeredBy: z.enum(['callback', 'poll']).optional(),
  // A run continues as new only while it still works: nothing is finished yet.
  completedAt: z.undefined().optional(),
  result: z.undefined().optional(),
  failure: z.undefined().optional(),
});

const carriedStatusSchema = withRenames(statusSchema, RENAMED_FIELDS);

/** A download's checkpoint names its upload's parts (about 40 bytes each): far below this. */
const MAX_CHECKPOINT_CHARS = 256 * 1024;
const checkpoint = z.unknown().refine((value) => (JSON.stringify(value) ?? '').length <= MAX_CHECKPOINT_CHARS, `at most ${MAX_CHECKPOINT_CHARS} characters of JSON`);
// The activity reads the checkpoint itself, as it reads its heartbeat: it is only passed on here.
const carriedDownloadSchema = z.object({ url: z.url({ protocol: /^https?$/ }).max(8 * 1024), resume: checkpoint.optional() });

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
  const parsed = carriedStatusSchema.safeParse(carried);
  if (!parsed.success) return { ok: false, error: describeIssues(parsed.error, 'carried') };
  // A continue-as-new keeps the workflow id, so the state is this conversion's (a replay may run it
  // under another id: the id is taken, never checked, lest the commands depend on it).
  const status = { ...(parsed.data as ConversionStatus), conversionId: run.workflowId };
  if (carriedDownload === undefined) return { ok: true, status };
  const download = carriedDownloadSchema.safeParse(carriedDownload);
  if (!download.success) return { ok: false, error: describeIssues(download.error, 'carriedDownload') };
  if (status.phase !== 'downloading' || !status.wavTaskId) return { ok: false, error: 'carriedDownload: only a run that was downloading may hand a download on' };
  return { ok: true, status, download: download.data };
}
