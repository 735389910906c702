import { z } from 'zod';
import { MAX_URL_REFRESHES, PHASES } from '../../src/workflows/messages';

/**
 * The carried state's rule as a zod schema: what the workflow checked a carried state with until
 * the check was written without zod (src/workflows/carried-status.ts). Kept as the property test's
 * reference, so the hand-written check answers as the schema did.
 */

const count = z.number().int().min(0);
const instant = z.iso.datetime();
const text = z.string().max(64 * 1024);

export const carriedStatusSchema = z.object({
  conversionId: z.string().min(1),
  phase: z.enum(PHASES),
  phases: z.array(z.object({ phase: z.enum(PHASES), at: instant })).min(1).max(PHASES.length * 4),
  taskId: z.string().optional(),
  audioId: z.string().optional(),
  wavTaskId: z.string().min(1).optional(),
  adopted: z.boolean().optional(),
  callbacks: z.object({ received: count, duplicates: count, mismatched: count, withoutUrl: count, malformed: count }),
  ignoredCallbacks: z.array(z.object({ reason: z.enum(['other-task', 'after-outcome', 'no-url']), taskId: z.unknown(), code: z.unknown(), msg: z.unknown(), at: instant })).max(100),
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
  completedAt: z.undefined().optional(),
  result: z.undefined().optional(),
  failure: z.undefined().optional(),
});

const MAX_CHECKPOINT_CHARS = 256 * 1024;
const checkpoint = z.unknown().refine((value) => (JSON.stringify(value) ?? '').length <= MAX_CHECKPOINT_CHARS);
export const carriedDownloadSchema = z.object({ url: z.url({ protocol: /^https?$/ }).max(8 * 1024), resume: checkpoint.optional() });
