import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { ForbiddenAddressError, NotHttpResponseError, objectName, safeGet, type AddressPolicy, type WavStore } from '../download';
import { activityFailure, fileHostFailure, FailureType } from '../failures';
import type { Metrics } from '../metrics';
import { parseWavHeader, WavFormatError, type WavInfo } from '../wav';
import type { DownloadInput, DownloadResult } from './types';

export interface DownloadDeps {
  store: WavStore;
  addressPolicy: AddressPolicy;
  /** Larger files end with DownloadTooLarge. */
  maxBytes: number;
  /** Free disk that must remain after the file is written (stores that know their free space). */
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
  /** What the store needs to continue the partial file, maybe on another host (S3: the upload, its parts, the digest state). */
  store?: unknown;
}

const HEARTBEAT_EVERY_MS = 1_000;

/**
 * Streams the WAV into the store's partial file (never holding it in memory), resuming where an
 * earlier attempt stopped, hashing on the way; verifies size and header; then commits it so a
 * reader never sees half a file. The store is addressed by the conversion id alone.
 */
export function createDownloadWav(deps: DownloadDeps, metrics: Metrics) {
  const { store } = deps;

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
    const name = objectName(conversionId);
    const previous = ctx.info.heartbeatDetails as Progress | undefined;

    // An earlier attempt may have committed the file and died before reporting it. Its last
    // heartbeat says so, if that reached the server: heartbeats are throttled, and need Temporal
    // up. Without it, a committed file written since this activity was first scheduled, with no
    // partial file beside it, can only be an earlier attempt's (they commit only verified files).
    const committed = previous?.committed ?? (ctx.info.attempt > 1 ? await committedSince(store, name, ctx.info.scheduledTimestampMs, previous?.total) : undefined);
    if (committed) {
      const done = await inspectCommitted(store, name, committed);
      if (done) return { ...done, attempt: ctx.info.attempt };
    }

    // Resume only when the server gave a validator: If-Range then guarantees the same file.
    const partial = await store.resume(name, previous?.store);
    const validator = previous?.etag ?? previous?.lastModified;
    if (partial.offset > 0 && !validator) await partial.restart();
    let offset = partial.offset;
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
      if (ctx.cancellationSignal.aborted) {
        await partial.discard();
        throw cancelled(ctx.cancellationSignal);
      }
      if (err instanceof ForbiddenAddressError) {
        await partial.discard();
        throw activityFailure(FailureType.ForbiddenDownloadAddress, err.message);
      }
      if (err instanceof NotHttpResponseError) {
        await partial.discard();
        throw activityFailure(FailureType.NotHttpResponse, err.message);
      }
      throw activityFailure(FailureType.DownloadFailed, `request failed: ${errorMessage(err)}`);
    }
    const { status, headers, body } = response;
    /** Stops reading and fails; the partial file is kept for the next attempt to resume, or discarded. */
    const give = async (type: FailureType, message: string, { partial: keep }: { partial: 'keep' | 'discard' }) => {
      body.destroy();
      await (keep === 'keep' ? partial.close() : partial.discard());
      return activityFailure(type, message);
    };

    // The URL is no longer good (the failure table says which statuses): the workflow can ask for a fresh one.
    const expired = fileHostFailure(status);
    if (expired) throw await give(expired, `file host answered ${status}`, { partial: 'discard' });
    if (status === 416) throw await give(FailureType.DownloadFailed, 'range not satisfiable; starting over', { partial: 'discard' });
    if (status !== 200 && status !== 206) throw await give(FailureType.DownloadFailed, `file host answered ${status}`, { partial: 'keep' });

    let total: number | undefined;
    if (status === 206) {
      const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(headers['content-range'] ?? '');
      const [start, end, size] = range ? [Number(range[1]), Number(range[2]), Number(range[3])] : [NaN, NaN, NaN];
      if (start !== offset || end !== size - 1) {
        throw await give(FailureType.DownloadFailed, `Content-Range "${headers['content-range'] ?? ''}" does not continue at ${offset}`, { partial: 'discard' });
      }
      total = size;
      metrics.downloadsResumed.inc();
    } else {
      // 200: the server ignored the range or the file changed (If-Range failed): start over.
      if (offset > 0) await partial.restart();
      offset = 0;
      const length = Number(headers['content-length'] ?? NaN);
      total = Number.isFinite(length) ? length : undefined;
    }
    if (total !== undefined && total > deps.maxBytes) {
      throw await give(FailureType.DownloadTooLarge, `${total} bytes is more than the ${deps.maxBytes} allowed`, { partial: 'discard' });
    }
    try {
      await ensureFreeSpace((total ?? 0) - offset);
    } catch (err) {
      body.destroy();
      await partial.close();
      throw err;
    }

    const progress: Progress = {
      bytes: offset,
      total,
      etag: headers.etag,
      lastModified: headers['last-modified'],
    };
    let received = offset;
    // The heartbeat says how far the file is (for people) and what the store holds for sure (for a retry).
    const beat = () => ctx.heartbeat({ ...progress, bytes: received, store: partial.checkpoint() });
    // At once, not a second later: a worker killed early can then resume with the validator.
    beat();

    // Heartbeats carry progress (what a retry resumes from) and are how a cancellation reaches a
    // stalled download; the disk is checked as the file grows.
    const timer = setInterval(() => {
      beat();
      void store.freeBytes().then((free) => {
        if (free !== undefined && free < deps.minFreeBytes) body.destroy(new StorageFull(free));
      }, () => undefined); // a failed check is only a missed check
    }, HEARTBEAT_EVERY_MS);
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        if (received + chunk.length > deps.maxBytes) throw new TooLarge(`more than the ${deps.maxBytes} bytes allowed`);
        received += chunk.length;
        await partial.write(chunk);
      }
    } catch (err) {
      body.destroy();
      if (ctx.cancellationSignal.aborted) {
        await partial.discard();
        throw cancelled(ctx.cancellationSignal);
      }
      if (err instanceof TooLarge) throw await give(FailureType.DownloadTooLarge, err.message, { partial: 'discard' });
      if (err instanceof WavFormatError) throw await notAWav(err);
      await partial.close();
      if (err instanceof StorageFull) throw activityFailure(FailureType.InsufficientStorage, err.message);
      // The store keeps what it holds for sure: the next attempt resumes from there.
      throw activityFailure(FailureType.DownloadFailed, `interrupted after ${received} bytes: ${errorMessage(err)}`);
    } finally {
      clearInterval(timer);
      // What came over the network this attempt.
      metrics.downloadBytes.inc(received - offset);
      beat();
    }

    if (total !== undefined && received !== total) {
      // Short: the next attempt resumes. Long: the file is not what was announced.
      throw await give(FailureType.TruncatedDownload, `received ${received} of ${total} bytes`, { partial: received > total ? 'discard' : 'keep' });
    }
    let file;
    let wav;
    try {
      file = await partial.finish();
      wav = parseWavHeader(file.head, file.bytes);
    } catch (err) {
      if (err instanceof WavFormatError) throw await notAWav(err);
      await partial.close();
      throw activityFailure(FailureType.DownloadFailed, `storing the file failed: ${errorMessage(err)}`);
    }
    const { bytes, sha256 } = file;
    ctx.heartbeat({ ...progress, bytes, store: partial.checkpoint(), committed: { bytes, sha256 } });
    let location;
    try {
      location = await partial.commit({ bytes, sha256, wav });
    } catch (err) {
      await partial.close();
      throw activityFailure(FailureType.DownloadFailed, `committing the file failed: ${errorMessage(err)}`);
    }
    ctx.log.info('wav downloaded', { location, bytes, resumedFrom: offset });
    return { ...describeFile(location, bytes, sha256, wav), attempt: ctx.info.attempt, resumedFrom: offset };

    /** A body that is no WAV file, or ends inside its header: nothing of it is kept. */
    async function notAWav(err: WavFormatError) {
      await partial.discard();
      return err.problem === 'truncated' ? activityFailure(FailureType.TruncatedDownload, err.message) : activityFailure(FailureType.NotAWavFile, err.message);
    }
  }

  /** Throws InsufficientStorage (retried later) unless `needed` bytes fit with the margin left over. */
  async function ensureFreeSpace(needed: number): Promise<void> {
    const free = await store.freeBytes();
    if (free !== undefined && free - Math.max(0, needed) < deps.minFreeBytes) {
      throw activityFailure(FailureType.InsufficientStorage, `${free} bytes free; ${Math.max(0, needed)} needed plus a ${deps.minFreeBytes} byte margin`);
    }
  }
}

/** The committed file's size, if it was written since `sinceMs` and no partial file is beside it (and of `total` bytes, when known). */
async function committedSince(store: WavStore, name: string, sinceMs: number, total: number | undefined): Promise<{ bytes: number } | undefined> {
  if (await store.hasPartial(name)) return undefined;
  const file = await store.committed(name);
  if (!file || file.writtenAtMs < sinceMs) return undefined;
  return total === undefined || total === file.bytes ? { bytes: file.bytes } : undefined;
}

/** The committed file, if it is the one an earlier attempt finished (same size, and hash when known). */
async function inspectCommitted(store: WavStore, name: string, expected: { bytes: number; sha256?: string }) {
  const file = await store.committed(name);
  if (file?.bytes !== expected.bytes) return undefined;
  const { bytes, sha256, head } = await file.digest();
  if (expected.sha256 !== undefined && sha256 !== expected.sha256) return undefined;
  return { ...describeFile(store.location(name), bytes, sha256, parseWavHeader(head, bytes)), resumedFrom: bytes };
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

/** The SDK reports an activity as cancelled only when it throws the cancellation itself. */
function cancelled(signal: AbortSignal): Error {
  return signal.reason instanceof CancelledFailure ? signal.reason : new CancelledFailure('download cancelled');
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

