import { z } from 'zod';
import type { ResumeRecord } from '../download';

/**
 * What a download says of itself between attempts, and which of its saved states a retry resumes
 * from. Pure: unit-tested without a server.
 */

/** What a heartbeat (and a stopped attempt's cancellation) carries. `bytes` and `total` are what `convert --wait` shows. */
export interface Progress {
  /** Bytes received so far. */
  bytes: number;
  /** Bytes the store holds for sure: what a retry can continue from (absent in heartbeats of 0.1 and 0.2). */
  kept?: number | undefined;
  total?: number | undefined;
  etag?: string | undefined;
  lastModified?: string | undefined;
  /** The file is verified and being committed (its size and hash): a retry that finds it returns it. */
  committed?: { bytes: number; sha256: string } | undefined;
  /** What the store needs to continue the partial file, maybe on another host (S3: the upload, its parts, the digest state). */
  store?: unknown;
}

/** A state a retry can resume from: the validator its bytes were fetched under and the store's checkpoint. */
export interface Saved {
  total?: number | undefined;
  etag?: string | undefined;
  lastModified?: string | undefined;
  store?: unknown;
  kept: number;
}

const count = z.number().int().min(0);
const header = z.string().max(1024);
const progressSchema = z.object({
  bytes: count,
  kept: count.optional(),
  total: count.optional(),
  etag: header.optional(),
  lastModified: header.optional(),
  committed: z.object({ bytes: count, sha256: z.string().regex(/^[0-9a-f]{64}$/) }).optional(),
  store: z.unknown().optional(),
});
const noteSchema = z.object({ total: count.optional(), etag: header.optional(), lastModified: header.optional() });

/** Heartbeat details (or a carried checkpoint) that have the shape this code writes; anything else is none. */
export function readProgress(value: unknown): Progress | undefined {
  // The SDK hands heartbeat details as the first of their payloads.
  const parsed = progressSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** A store's resume record as a state to resume from. */
export function savedFromRecord(record: ResumeRecord | undefined): Saved | undefined {
  if (!record) return undefined;
  const note = noteSchema.safeParse(record.note);
  if (!note.success) return undefined;
  return { ...note.data, ...(record.checkpoint !== undefined ? { store: record.checkpoint } : {}), kept: record.kept };
}

/**
 * Which state a retry resumes from: the heartbeat's (or the carried checkpoint) or the store's
 * record. The record is written before the first byte fetched under its validator, and removed
 * before a restart, so the stored bytes belong to its validator: when the two name different
 * validators (a restart the heartbeat never told of), the record is right. Under one validator,
 * the one that keeps more bytes (a store's record moves at every part; heartbeats are seconds
 * apart, and may never have reached Temporal).
 */
export function chooseSaved(heartbeat: Progress | undefined, record: Saved | undefined): Saved | undefined {
  const fromHeartbeat: Saved | undefined = heartbeat && {
    total: heartbeat.total,
    etag: heartbeat.etag,
    lastModified: heartbeat.lastModified,
    store: heartbeat.store,
    kept: heartbeat.kept ?? 0,
  };
  if (!record) return fromHeartbeat;
  if (!fromHeartbeat) return record;
  const sameValidator = fromHeartbeat.etag === record.etag && fromHeartbeat.lastModified === record.lastModified;
  if (!sameValidator) return record;
  return record.kept > fromHeartbeat.kept ? record : fromHeartbeat;
}

/**
 * How often a download heartbeats: a third of its heartbeat timeout. A cancellation reaches it
 * within that; one heartbeat lost on the way still leaves another before the timeout; and each
 * heartbeat that reaches Temporal is a billable action (a second apart, a 1-hour download was
 * 3,600 of them; at the default 30 s timeout it is 360).
 */
export function heartbeatEveryMs(heartbeatTimeoutMs: number | undefined): number {
  const timeout = heartbeatTimeoutMs && heartbeatTimeoutMs > 0 ? heartbeatTimeoutMs : 30_000;
  return Math.max(100, Math.floor(timeout / 3));
}
