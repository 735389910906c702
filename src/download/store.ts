import type { WavInfo } from '../wav';
import type { DigestSummary } from './digest';

/**
 * Where downloads are written: a local directory (FileStore) or an S3-compatible bucket (S3Store).
 * The download activity speaks only this interface. Files are addressed by `objectName(conversionId)`,
 * never by a path taken from anywhere else.
 */
export interface WavStore {
  /** Where a conversion's file is kept, for people (a path, an `s3://` URL); nothing reads files through it. */
  location(name: string): string;
  /**
   * Continues the partial file of `name` where an earlier attempt left it, or starts one. `saved` is
   * the last `checkpoint()` of that attempt that reached a heartbeat (undefined when none did).
   */
  resume(name: string, saved: unknown): Promise<PartialWrite>;
  /**
   * The resume record an attempt kept beside the partial file of `name` (`PartialWrite.keepNote`),
   * if there is one that reads: how a retry resumes when no heartbeat of that attempt reached
   * Temporal (a worker killed before its first heartbeat, a history node that died meanwhile).
   */
  resumeRecord(name: string): Promise<ResumeRecord | undefined>;
  /** Whether an unfinished partial file of `name` exists (an attempt that did not commit). */
  hasPartial(name: string): Promise<boolean>;
  /**
   * Removes the partial file of `name` and everything kept to resume it (S3: every multipart upload
   * of its key, its tail, its record). Nothing to remove is no error: it may run more than once.
   */
  discardPartial(name: string): Promise<void>;
  /** The committed file of `name`, if there is one. */
  committed(name: string): Promise<CommittedFile | undefined>;
  /** How a client gets the committed file of `name` (undefined when there is none). */
  access(name: string, options: { filename: string }): Promise<WavAccess | undefined>;
  /** Free bytes where files are written; undefined where that cannot be known (object stores). */
  freeBytes(): Promise<number | undefined>;
}

export interface CommittedFile {
  bytes: number;
  /** When its content was written (ms since the epoch). */
  writtenAtMs: number;
  /** Its sha256 and head: hashed from the file, or from the record written when it was verified. */
  digest(): Promise<DigestSummary>;
}

/** Streamed from this host's disk (with Range), or a URL the client is sent to. */
export type WavAccess = { kind: 'file'; root: string; file: string } | { kind: 'url'; url: string };

/** What the download verified, for the committed file's metadata. */
export interface VerifiedWav {
  bytes: number;
  sha256: string;
  wav: WavInfo;
}

/**
 * Kept beside a partial file: the activity's note (the validator and size it fetches the body
 * under), the store's checkpoint (what `resume` continues from) and how many bytes that holds.
 */
export interface ResumeRecord {
  note: unknown;
  /** Absent where the partial file itself is the checkpoint (its size). */
  checkpoint?: unknown;
  /** Bytes the checkpoint keeps for sure (a store that resumes from its partial file's size says 0). */
  kept: number;
}

/** One attempt's writing of a conversion's file. */
export interface PartialWrite {
  /** Bytes kept from earlier attempts: the body must continue at this offset. */
  readonly offset: number;
  /** Appends to the file; resolves when the chunk may be reused and more may be written. */
  write(chunk: Buffer): Promise<void>;
  /** Drops what was kept: the body starts over at its first byte. */
  restart(): Promise<void>;
  /** JSON for the heartbeat: what `resume` needs to continue from the bytes that are durable now. */
  checkpoint(): unknown;
  /** Bytes `checkpoint()` keeps for sure (a store that resumes from its partial file's size counts what was written). */
  kept(): number;
  /**
   * Keeps `note` beside the partial file with the store's checkpoint, as a resume record: now,
   * before the first byte fetched under it, and again whenever the checkpoint moves on. A restart
   * or a discard removes it; so does the commit.
   */
  keepNote(note: object): Promise<void>;
  /** Flushes everything written: the whole file's size, sha256 and head. */
  finish(): Promise<DigestSummary>;
  /** After `finish` and the checks: makes the file visible under its name, all at once. Returns its location. */
  commit(verified: VerifiedWav): Promise<string>;
  /** Stops writing, keeping what is durable for a later attempt. */
  close(): Promise<void>;
  /** Stops writing and removes everything the partial file holds. */
  discard(): Promise<void>;
}
