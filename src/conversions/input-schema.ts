import { z } from 'zod';
import {
  DEADLINE_MS,
  DOWNLOAD_HEARTBEAT_TIMEOUT_MS,
  HISTORY_EVENT_LIMIT,
  POLL_INTERVAL_MS,
  PROVIDER_CALL_TIMEOUT_MS,
  SOURCE_ID,
  SOURCE_REQUIRED,
  STARTED_BY_MAX_CHARS,
} from '../workflows/input';

/**
 * The workflow's input as a zod schema, from the bounds the workflow checks it with
 * (src/workflows/input.ts): the HTTP API builds its request schema from these fields, and a
 * property test holds the workflow's own check to this schema's verdict.
 */

/** The provider's source ids, and conversion ids: one path segment, printable. */
export const sourceId = z.string().min(SOURCE_ID.min).max(SOURCE_ID.max).regex(SOURCE_ID.regex, SOURCE_ID.message);

const integerWithin = ({ min, max }: { min: number; max: number }) => z.number().int().min(min).max(max);

/** The same bounds for callers that speak seconds: rounded to ms, a value in bounds stays in bounds. */
export const secondsWithin = ({ min, max }: { min: number; max: number }) => z.number().min(min / 1000).max(max / 1000);

export const conversionInputSchema = z
  .object({
    taskId: sourceId.optional(),
    audioId: sourceId.optional(),
    pollIntervalMs: integerWithin(POLL_INTERVAL_MS).optional(),
    deadlineMs: integerWithin(DEADLINE_MS).optional(),
    confirmCallbacks: z.boolean().optional(),
    historyEventLimit: integerWithin(HISTORY_EVENT_LIMIT).optional(),
    downloadHeartbeatTimeoutMs: integerWithin(DOWNLOAD_HEARTBEAT_TIMEOUT_MS).optional(),
    providerCallTimeoutMs: integerWithin(PROVIDER_CALL_TIMEOUT_MS).optional(),
    startedBy: z.string().max(STARTED_BY_MAX_CHARS).optional(),
    carried: z.unknown().optional(),
    carriedDownload: z.unknown().optional(),
  })
  .refine((input) => input.audioId || input.taskId, { message: SOURCE_REQUIRED, path: ['audioId'] });
