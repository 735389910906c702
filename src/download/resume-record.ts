import { z } from 'zod';
import type { ResumeRecord } from './store';

/** A record is a few hundred bytes (an S3 one names every part: about 40 bytes each). */
const MAX_RECORD_CHARS = 1024 * 1024;

const recordSchema = z.object({
  note: z.record(z.string(), z.unknown()),
  checkpoint: z.unknown().optional(),
  kept: z.number().int().min(0),
});

/**
 * The resume record a store kept beside a partial file, or undefined when there is none or it does
 * not read (torn by a crash, or from another version): then a retry has its heartbeat to go on.
 */
export function readResumeRecord(text: string | undefined): ResumeRecord | undefined {
  if (text === undefined || text.length > MAX_RECORD_CHARS) return undefined;
  try {
    const parsed = recordSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
