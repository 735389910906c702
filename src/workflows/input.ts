import { z } from 'zod';
import type { ConversionInput } from './messages';

/**
 * What a conversion accepts, checked where it enters: the HTTP API builds its request schema
 * from these fields (src/conversions/start-conversion.ts), and the workflow checks its input with `conversionInputSchema`,
 * because anyone who can start a workflow (the Temporal CLI, another SDK, the UI) skips the API.
 * Workflow code: zod only, no I/O.
 */

/** The provider's source ids, and conversion ids: one path segment, printable. */
export const sourceId = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only');

/**
 * The poll interval's floor. The provider documents 20 requests per 10 s per account, shared by
 * every conversion; the worker's provider queue holds all of them to it together
 * (PROVIDER_RATE_LIMIT_PER_SECOND). A conversion polling every 5 s makes at most 2 requests per
 * 10 s, a tenth of that budget, so no single input can crowd the other conversions out of it.
 */
export const POLL_INTERVAL_MS = { min: 5_000, max: 60 * 60_000 } as const;
/** A week: the ceiling of the wait for an answer (the download has its own 12 h). */
export const DEADLINE_MS = { min: 1_000, max: 7 * 24 * 60 * 60_000 } as const;
/** Below this a run would continue as new before it polled once; above, Temporal warns (10,240). */
export const HISTORY_EVENT_LIMIT = { min: 20, max: 10_000 } as const;

const milliseconds = ({ min, max }: { min: number; max: number }) => z.number().int().min(min).max(max);

/** The same bounds for callers that speak seconds: rounded to ms, a value in bounds stays in bounds. */
export const secondsWithin = ({ min, max }: { min: number; max: number }) => z.number().min(min / 1000).max(max / 1000);

export const conversionInputSchema = z
  .object({
    taskId: sourceId.optional(),
    audioId: sourceId.optional(),
    pollIntervalMs: milliseconds(POLL_INTERVAL_MS).optional(),
    deadlineMs: milliseconds(DEADLINE_MS).optional(),
    confirmCallbacks: z.boolean().optional(),
    historyEventLimit: z.number().int().min(HISTORY_EVENT_LIMIT.min).max(HISTORY_EVENT_LIMIT.max).optional(),
    downloadHeartbeatTimeoutMs: milliseconds({ min: 1_000, max: 60 * 60_000 }).optional(),
    providerCallTimeoutMs: milliseconds({ min: 1_000, max: 10 * 60_000 }).optional(),
    startedBy: z.string().max(100).optional(),
    // Checked apart (carried-status.ts), and only on a continue-as-new.
    carried: z.unknown().optional(),
    carriedDownload: z.unknown().optional(),
  })
  .refine((input) => input.audioId || input.taskId, { message: 'audioId or taskId is required', path: ['audioId'] });

export type CheckedInput = { ok: true; input: ConversionInput } | { ok: false; error: string };

/** The workflow's input, or one line naming every field that is wrong. */
export function checkInput(value: unknown): CheckedInput {
  const parsed = conversionInputSchema.safeParse(value);
  return parsed.success ? { ok: true, input: value as ConversionInput } : { ok: false, error: describeIssues(parsed.error) };
}

/** `field: problem; field: problem`, each path joined with dots under `root` (the input itself when empty). */
export function describeIssues(error: z.ZodError, root?: string): string {
  return error.issues.map((issue) => `${[...(root ? [root] : []), ...issue.path].join('.') || '(input)'}: ${issue.message}`).join('; ');
}
