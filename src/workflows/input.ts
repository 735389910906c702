import { boolean, integer, isRecord, object, optional, runCheck, text, unknownValue, type Check } from './json-checks';
import type { ConversionInput } from './messages';

/**
 * What a conversion accepts, checked where it enters. The workflow checks its input here, because
 * anyone who can start a workflow (the Temporal CLI, another SDK, the UI) skips the API; the HTTP
 * API checks its requests with zod (src/conversions/input-schema.ts), built from the same bounds,
 * and a property test holds the two to the same verdict (test/unit/workflow-checks.test.ts).
 * Workflow code: no zod (./json-checks says why), no I/O.
 */

/** The provider's source ids, and conversion ids: one path segment, printable. */
export const SOURCE_ID = { min: 1, max: 200, regex: /^[A-Za-z0-9._:-]+$/, message: 'letters, digits and . _ : - only' } as const;

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
export const DOWNLOAD_HEARTBEAT_TIMEOUT_MS = { min: 1_000, max: 60 * 60_000 } as const;
export const PROVIDER_CALL_TIMEOUT_MS = { min: 1_000, max: 10 * 60_000 } as const;
export const STARTED_BY_MAX_CHARS = 100;
export const SOURCE_REQUIRED = 'audioId or taskId is required';

const sourceId = text({ min: SOURCE_ID.min, max: SOURCE_ID.max, pattern: SOURCE_ID });

const inputFields = object({
  taskId: optional(sourceId),
  audioId: optional(sourceId),
  pollIntervalMs: optional(integer(POLL_INTERVAL_MS)),
  deadlineMs: optional(integer(DEADLINE_MS)),
  confirmCallbacks: optional(boolean),
  historyEventLimit: optional(integer(HISTORY_EVENT_LIMIT)),
  downloadHeartbeatTimeoutMs: optional(integer(DOWNLOAD_HEARTBEAT_TIMEOUT_MS)),
  providerCallTimeoutMs: optional(integer(PROVIDER_CALL_TIMEOUT_MS)),
  startedBy: optional(text({ max: STARTED_BY_MAX_CHARS })),
  // Checked apart (carried-status.ts), and only on a continue-as-new.
  carried: unknownValue,
  carriedDownload: unknownValue,
});

const conversionInput: Check<unknown> = (value, path, issues) => {
  const before = issues.length;
  inputFields(value, path, issues);
  // Asked for only of an input that is otherwise right, as the API's schema does.
  if (issues.length === before && isRecord(value) && !value.audioId && !value.taskId) issues.push({ path: [...path, 'audioId'], message: SOURCE_REQUIRED });
  return value;
};

export type CheckedInput = { ok: true; input: ConversionInput } | { ok: false; error: string };

/** The workflow's input, or one line naming every field that is wrong. */
export function checkInput(value: unknown): CheckedInput {
  const checked = runCheck(conversionInput, value);
  return checked.ok ? { ok: true, input: value as ConversionInput } : checked;
}
