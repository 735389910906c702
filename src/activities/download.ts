import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { ForbiddenAddressError, NotHttpResponseError, safeGet, type AddressPolicy, type WavStore } from '../download';
import { FailureType } from '../failures';
import type { Metrics } from '../metrics';
import { parseWavHeader, WAV_HEADER_SCAN_BYTES, WavFormatError, type WavInfo } from '../wav';
import type { DownloadResult } from '../workflows';

export interface DownloadInput {
  conversionId: string;
  url: string;
  /** The provider's task id, for log lines (absent in histories recorded before it was added). */
  wavTaskId?: string;
}

export interface DownloadDeps {
  store: WavStore;
  addressPolicy: AddressPolicy;
  /** Larger files end with DownloadTooLarge. */
  maxBytes: number;
  /** Free disk that must remain after the file is written. */
  minFreeBytes: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
}

/** What a heartbeat records, so a retried attempt can resume or find the work already done. */
interface Progress {
  bytes: number;
  total?: number | undefined;
  etag?: string | undefined;
  lastModified?: string | undefined;
  committed?: { bytes: number; sha256: string };
}

/** File host answers that mean the URL is no longer good; the workflow can ask for a fresh one. */
const EXPIRED_STATUSES = [403, 404, 410];
const HEARTBEAT_EVERY_MS = 1_000;

/**
 * Streams the WAV into the store's partial file (never holding it in memory), resuming where an
 * earlier attempt stopped, hashing on the way; verifies size and header; then commits it so a
 * reader never sees half a file.
 */
export function createDownloadWav(deps: DownloadDeps, metrics: Metrics) {
  const { store } = deps;
  const failure = (type: FailureType, message: string, retryable: boolean) =>
    ApplicationFailure.create({ type, message, nonRetryable: !retryable });

  return async function downloadWav(input: DownloadInput): Promise<DownloadResult> {
    const timer = metrics.downloadDuration.startTimer();
    try {
      const result = await attempt(input);
      timer({ outcome: 'completed' });
      metrics.downloadSize.observe(result.bytes);
      return result;
    } catch (err) {
      timer({ outcome: err instanceof CancelledFailure ? 'cancelled' : 'failed' });
      throw err;
    }
  };

  async function attempt({ conversionId, url }: DownloadInput): Promise<DownloadResult> {
    const ctx = Context.current();
    const key = fileStem(conversionId);
    const previous = ctx.info.heartbeatDetails as Progress | undefined;

    // An earlier attempt may have committed the file and died before reporting it. Its last
    // heartbeat says so, if that reached the server: heartbeats are throttled, and need Temporal
    // up. Without it, a committed file written since this activity was first scheduled, with no
    // partial file beside it, can only be an earlier attempt's (they commit only verified files).
    const committed = previous?.committed ?? (ctx.info.attempt > 1 ? await committedSince(store, key, ctx.info.scheduledTimestampMs, previous?.total) : undefined);
    if (committed) {
      const done = await inspectCommitted(store, key, committed);
      if (done) return { ...done, attempt: ctx.info.attempt };
    }

    // Resume only when the server gave a validator: If-Range then guarantees the same file.
    let offset = await store.partialSize(key);
    const validator = previous?.etag ?? previous?.lastModified;
    if (offset > 0 && !validator) {
      await store.discardPartial(key);
      offset = 0;
    }
    await ensureFreeSpace((previous?.total ?? 0) - offset);

    let response;
    try {
      response = await safeGet(url, {
        headers: offset > 0 && validator ? { range: `bytes=${offset}-`, 'if-range': validator } : {},
        policy: deps.addressPolicy,
        connectTimeoutMs: deps.connectTimeoutMs,
        idleTimeoutMs: deps.idleTimeoutMs,
        signal: ctx.cancellationSignal,
      });
    } catch (err) {
      if (ctx.cancellationSignal.aborted) throw cancelled(ctx.cancellationSignal);
      if (err instanceof ForbiddenAddressError) throw failure(FailureType.ForbiddenDownloadAddress, err.message, false);
      if (err instanceof NotHttpResponseError) throw failure(FailureType.NotHttpResponse, err.message, false);
      throw failure(FailureType.DownloadFailed, `request failed: ${errorMessage(err)}`, true);
    }
    const { status, headers, body } = response;
    const give = async (type: FailureType, message: string, retryable: boolean, discard: boolean) => {
      body.destroy();
      if (discard) await store.discardPartial(key);
      return failure(type, message, retryable);
    };

    if (EXPIRED_STATUSES.includes(status)) throw await give(FailureType.WavUrlExpired, `file host answered ${status}`, false, true);
    if (status === 416) throw await give(FailureType.DownloadFailed, 'range not satisfiable; starting over', true, true);
    if (status !== 200 && status !== 206) throw await give(FailureType.DownloadFailed, `file host answered ${status}`, true, false);

    let total: number | undefined;
    if (status === 206) {
      const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(headers['content-range'] ?? '');
      const [start, end, size] = range ? [Number(range[1]), Number(range[2]), Number(range[3])] : [NaN, NaN, NaN];
      if (start !== offset || end !== size - 1) {
        throw await give(FailureType.DownloadFailed, `Content-Range "${headers['content-range'] ?? ''}" does not continue at ${offset}`, true, true);
      }
      total = size;
      metrics.downloadsResumed.inc();
    } else {
      // 200: the server ignored the range or the file changed (If-Range failed): start over.
      offset = 0;
      const length = Number(headers['content-length'] ?? NaN);
      total = Number.isFinite(length) ? length : undefined;
    }
    if (total !== undefined && total > deps.maxBytes) {
      throw await give(FailureType.DownloadTooLarge, `${total} bytes is more than the ${deps.maxBytes} allowed`, false, true);
    }
    try {
      await ensureFreeSpace((total ?? 0) - offset);
    } catch (err) {
      body.destroy();
      throw err;
    }

    const progress: Progress = {
      bytes: offset,
      total,
      etag: headers.etag,
      lastModified: headers['last-modified'],
    };
    // At once, not a second later: a worker killed early can then resume with the validator.
    ctx.heartbeat(progress);
    const meter = new FileDigest();
    // The hash and header cover the whole file: feed it the bytes kept from earlier attempts first.
    if (offset > 0) for await (const chunk of store.readPartial(key)) meter.absorb(chunk as Buffer);

    // Heartbeats carry progress (what a retry resumes from) and are how a cancellation reaches a
    // stalled download; the disk is checked as the file grows.
    const beat = setInterval(() => {
      ctx.heartbeat({ ...progress, bytes: meter.bytes });
      void store.freeBytes().then((free) => {
        if (free !== undefined && free < deps.minFreeBytes) body.destroy(new StorageFull(free));
      }, () => undefined); // a failed check is only a missed check
    }, HEARTBEAT_EVERY_MS);
    const writer = store.writePartial(key, offset > 0);
    // A write that fails between two chunks ends the read loop below, instead of the process.
    writer.on('error', (err) => body.destroy(err));
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        if (meter.bytes + chunk.length > deps.maxBytes) throw new TooLarge(`more than the ${deps.maxBytes} bytes allowed`);
        meter.absorb(chunk);
        if (!writer.write(chunk)) await once(writer, 'drain');
      }
    } catch (err) {
      await close(writer);
      if (ctx.cancellationSignal.aborted) {
        await store.discardPartial(key);
        throw cancelled(ctx.cancellationSignal);
      }
      if (err instanceof TooLarge) throw await give(FailureType.DownloadTooLarge, err.message, false, true);
      if (err instanceof StorageFull) throw failure(FailureType.InsufficientStorage, err.message, true);
      // The partial file holds every byte counted so far: the next attempt resumes from it.
      throw failure(FailureType.DownloadFailed, `interrupted after ${meter.bytes} bytes: ${errorMessage(err)}`, true);
    } finally {
      clearInterval(beat);
      // What came over the network this attempt (the meter also counted the bytes kept from before).
      metrics.downloadBytes.inc(meter.bytes - offset);
      ctx.heartbeat({ ...progress, bytes: meter.bytes });
    }
    await close(writer);

    if (total !== undefined && meter.bytes !== total) {
      // Short: the next attempt resumes. Long: the file is not what was announced.
      throw await give(FailureType.TruncatedDownload, `received ${meter.bytes} of ${total} bytes`, true, meter.bytes > total);
    }
    let wav;
    try {
      wav = parseWavHeader(meter.head(), meter.bytes);
    } catch (err) {
      if (!(err instanceof WavFormatError)) throw err;
      await store.discardPartial(key);
      throw err.problem === 'truncated'
        ? failure(FailureType.TruncatedDownload, err.message, true)
        : failure(FailureType.NotAWavFile, err.message, false);
    }
    const sha256 = meter.sha256();
    ctx.heartbeat({ ...progress, bytes: meter.bytes, committed: { bytes: meter.bytes, sha256 } });
    const path = await store.commit(key);
    ctx.log.info('wav downloaded', { path, bytes: meter.bytes, resumedFrom: offset });
    return { ...describeFile(path, meter.bytes, sha256, wav), attempt: ctx.info.attempt, resumedFrom: offset };
  }

  /** Throws InsufficientStorage (retried later) unless `needed` bytes fit with the margin left over. */
  async function ensureFreeSpace(needed: number): Promise<void> {
    const free = await store.freeBytes();
    if (free !== undefined && free - Math.max(0, needed) < deps.minFreeBytes) {
      throw failure(FailureType.InsufficientStorage, `${free} bytes free; ${Math.max(0, needed)} needed plus a ${deps.minFreeBytes} byte margin`, true);
    }
  }
}

/** The committed file's size, if it was written since `sinceMs` and no partial file is beside it (and of `total` bytes, when known). */
async function committedSince(store: WavStore, key: string, sinceMs: number, total: number | undefined): Promise<{ bytes: number } | undefined> {
  if ((await store.partialSize(key)) > 0) return undefined;
  const [bytes, written] = await Promise.all([store.committedSize(key), store.committedTime(key)]);
  if (bytes === undefined || written === undefined || written < sinceMs) return undefined;
  return total === undefined || total === bytes ? { bytes } : undefined;
}

/** The committed file, if it is the one an earlier attempt finished (same size, and hash when known). */
async function inspectCommitted(store: WavStore, key: string, expected: { bytes: number; sha256?: string }) {
  if ((await store.committedSize(key)) !== expected.bytes) return undefined;
  const meter = new FileDigest();
  for await (const chunk of store.readCommitted(key)) meter.absorb(chunk as Buffer);
  const sha256 = meter.sha256();
  if (expected.sha256 !== undefined && sha256 !== expected.sha256) return undefined;
  return { ...describeFile(store.location(key), meter.bytes, sha256, parseWavHeader(meter.head(), meter.bytes)), resumedFrom: meter.bytes };
}

function describeFile(path: string, bytes: number, sha256: string, wav: WavInfo) {
  const { audioFormat, sampleRate, channels, bitsPerSample, durationSeconds } = wav;
  return { path, bytes, sha256, audioFormat, sampleRate, channels, bitsPerSample, durationSeconds };
}

class TooLarge extends Error {}
class StorageFull extends Error {
  constructor(free: number) {
    super(`free disk fell to ${free} bytes during the download`);
  }
}

/** Counts and hashes a file's bytes and keeps its head, for the header check. */
class FileDigest {
  bytes = 0;
  private readonly hash = createHash('sha256');
  private readonly headChunks: Buffer[] = [];
  private headBytes = 0;

  absorb(chunk: Buffer): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    if (this.headBytes < WAV_HEADER_SCAN_BYTES) {
      const slice = chunk.subarray(0, WAV_HEADER_SCAN_BYTES - this.headBytes);
      this.headChunks.push(Buffer.from(slice));
      this.headBytes += slice.length;
    }
  }

  head(): Buffer {
    return Buffer.concat(this.headChunks);
  }

  sha256(): string {
    return this.hash.digest('hex');
  }
}

/** Ends the stream so that everything written reaches the file, even after the source failed. */
function close(writer: Writable): Promise<void> {
  if (writer.writableFinished || writer.destroyed) return Promise.resolve();
  return new Promise((resolve, reject) => {
    writer.once('error', reject);
    writer.end(() => resolve());
  });
}

/** Conversion ids are validated upstream; this only guarantees a single path segment. */
function fileStem(conversionId: string): string {
  return conversionId.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
}

/** The SDK reports an activity as cancelled only when it throws the cancellation itself. */
function cancelled(signal: AbortSignal): Error {
  return signal.reason instanceof CancelledFailure ? signal.reason : new CancelledFailure('download cancelled');
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

