import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { ForbiddenAddressError, NotHttpResponseError, objectName, safeGet, type AddressPolicy, type PartialWrite, type WavStore } from '../download';
import { activityFailure, fileHostFailure, FailureType } from '../failures';
import type { Metrics } from '../metrics';
import { parseWavHeader, WavFormatError, type WavInfo } from '../wav';
import { chooseSaved, heartbeatEveryMs, readProgress, savedFromRecord, type Progress } from './download-progress';
import type { DiscardPartialInput, DownloadInput, DownloadResult } from './types';

export interface DownloadDeps {
  store: WavStore;
  addressPolicy: AddressPolicy;
  /** Larger files end with DownloadTooLarge. */
  maxBytes: number;
  /** Free disk that must remain after the file is written (stores that know their free space). */
  minFreeBytes: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  /** Heartbeat this often instead of a third of the heartbeat timeout (bench:download compares the two). */
  heartbeatEveryMs?: number | undefined;
}

/** How often free disk is checked while the file grows (stores that know it). */
const DISK_CHECK_EVERY_MS = 1_000;

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

  async function attempt({ conversionId, url, keepPartialOnCancel, resume }: DownloadInput): Promise<DownloadResult> {
    const ctx = Context.current();
    const name = objectName(conversionId);
    const signal = ctx.cancellationSignal;
    // This attempt's heartbeat, or the checkpoint the run before handed on: the fast path.
    const previous = readProgress(ctx.info.heartbeatDetails) ?? readProgress(resume);

    // An earlier attempt may have committed the file and died before reporting it. Its last
    // heartbeat says so, if that reached the server: heartbeats are throttled, and need Temporal
    // up. Without it, a committed file written since this activity was first scheduled, with no
    // partial file beside it, can only be an earlier attempt's (they commit only verified files).
    const committed = previous?.committed ?? (ctx.info.attempt > 1 ? await committedSince(store, name, ctx.info.scheduledTimestampMs, previous?.total) : undefined);
    if (committed) {
      const done = await inspectCommitted(store, name, committed);
      if (done) {
        // A resume record the commit left behind (a crash in between) goes with it.
        await store.discardPartial(name);
        return { ...done, attempt: ctx.info.attempt, discardedBytes: 0 };
      }
    }

    // The store's own record is there even when no heartbeat reached Temporal; which one resumes
    // is decided by what each holds (download-progress.ts).
    const saved = chooseSaved(previous, savedFromRecord(await store.resumeRecord(name)));
    const partial = await store.resume(name, saved?.store);
    // Resume only with a validator: If-Range then guarantees the same file.
    const validator = saved?.etag ?? saved?.lastModified;
    /** What this attempt threw away of what earlier ones had stored: a start-over, said in the result. */
    let discarded = 0;
    if (partial.offset > 0 && !validator) {
      discarded = partial.offset;
      await partial.restart();
    }
    let offset = partial.offset;
    let received = offset;
    /** What the store holds and how it was fetched: heartbeats, the cancellation's details. */
    const fetchedUnder = { total: saved?.total, etag: saved?.etag, lastModified: saved?.lastModified };
    const progress = (): Progress => ({ ...fetchedUnder, bytes: received, kept: partial.kept(), store: partial.checkpoint() });

    /**
     * A cancellation ends the attempt. One the workflow requested removes the partial file,
     * unless the workflow keeps it for the next run (and removes it itself when the conversion is
     * cancelled). Any other (a heartbeat timeout, the worker shutting down) keeps it for the retry.
     */
    const stop = async (): Promise<never> => {
      if (!keepPartialOnCancel && ctx.cancellationDetails?.cancelRequested !== false) {
        await partial.discard();
        throw cancelled(signal);
      }
      await partial.close();
      throw new CancelledFailure(`download stopped after ${received} bytes; the partial file is kept`, [progress()]);
    };

    // An attempt stopped between the file's last byte and its commit left all of it: asking for
    // the rest would be a range past the end (416). Verify and commit what the store holds.
    const holdsWhole = offset > 0 && validator !== undefined && offset === saved?.total;
    /** Heartbeats sent by this attempt. */
    let beats = 0;
    /** Fetches what the store does not hold yet, checking it against the size the host announced. */
    const fetchRest = async (): Promise<void> => {
      await ensureFreeSpace((saved?.total ?? 0) - offset);

      let response;
      try {
        response = await safeGet(url, {
          headers: offset > 0 && validator ? { range: `bytes=${offset}-`, 'if-range': validator } : {},
          policy: deps.addressPolicy,
          connectTimeoutMs: deps.connectTimeoutMs,
          idleTimeoutMs: deps.idleTimeoutMs,
          signal,
        });
      } catch (err) {
        if (signal.aborted) return stop();
        if (err instanceof ForbiddenAddressError) {
          await partial.discard();
          throw activityFailure(FailureType.ForbiddenDownloadAddress, err.message);
        }
        if (err instanceof NotHttpResponseError) {
          await partial.discard();
          throw activityFailure(FailureType.NotHttpResponse, err.message);
        }
        await partial.close();
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
        if (offset > 0) {
          discarded += offset;
          await partial.restart();
        }
        offset = 0;
        received = 0;
        const length = Number(headers['content-length'] ?? NaN);
        total = Number.isFinite(length) ? length : undefined;
      }
      if (total !== undefined && total > deps.maxBytes) {
        throw await give(FailureType.DownloadTooLarge, `${total} bytes is more than the ${deps.maxBytes} allowed`, { partial: 'discard' });
      }
      Object.assign(fetchedUnder, { total, etag: headers.etag, lastModified: headers['last-modified'] });
      try {
        await ensureFreeSpace((total ?? 0) - offset);
        // Before the first byte: a retry that finds no heartbeat resumes from this record.
        await partial.keepNote(fetchedUnder);
      } catch (err) {
        body.destroy();
        await partial.close();
        if (err instanceof ApplicationFailure) throw err;
        throw activityFailure(FailureType.DownloadFailed, `storing the file failed: ${errorMessage(err)}`);
      }

      // Heartbeats carry progress (for people, and for a retry) and are how a cancellation reaches
      // a download, stalled or not. Each one that reaches Temporal is a billable action, so they
      // come a third of the heartbeat timeout apart: a cancellation arrives within that, and a
      // download shorter than that sends none (the resume record covers a worker killed before).
      const beat = () => {
        beats++;
        ctx.heartbeat(progress());
      };
      const beating = setInterval(beat, deps.heartbeatEveryMs ?? heartbeatEveryMs(ctx.info.heartbeatTimeoutMs));
      const checkingDisk = setInterval(() => {
        void store.freeBytes().then((free) => {
          if (free !== undefined && free < deps.minFreeBytes) body.destroy(new StorageFull(free));
        }, () => undefined); // a failed check is only a missed check
      }, DISK_CHECK_EVERY_MS);
      try {
        for await (const chunk of body as AsyncIterable<Buffer>) {
          if (received + chunk.length > deps.maxBytes) throw new TooLarge(`more than the ${deps.maxBytes} bytes allowed`);
          received += chunk.length;
          await partial.write(chunk);
        }
      } catch (err) {
        body.destroy();
        if (signal.aborted) return stop();
        if (err instanceof TooLarge) throw await give(FailureType.DownloadTooLarge, err.message, { partial: 'discard' });
        if (err instanceof WavFormatError) throw await notAWav(partial, err);
        await partial.close();
        if (err instanceof StorageFull) throw activityFailure(FailureType.InsufficientStorage, err.message);
        // The store keeps what it holds for sure (and its record says so): the next attempt resumes from there.
        throw activityFailure(FailureType.DownloadFailed, `interrupted after ${received} bytes: ${errorMessage(err)}`);
      } finally {
        clearInterval(beating);
        clearInterval(checkingDisk);
        // What came over the network this attempt.
        metrics.downloadBytes.inc(received - offset);
      }
      if (total !== undefined && received !== total) {
        // Short: the next attempt resumes. Long: the file is not what was announced.
        throw await give(FailureType.TruncatedDownload, `received ${received} of ${total} bytes`, { partial: received > total ? 'discard' : 'keep' });
      }
    };
    if (!holdsWhole) await fetchRest();

    let file;
    let wav;
    try {
      file = await partial.finish();
      wav = parseWavHeader(file.head, file.bytes);
    } catch (err) {
      if (signal.aborted) return stop();
      if (err instanceof WavFormatError) throw await notAWav(partial, err);
      await partial.close();
      throw activityFailure(FailureType.DownloadFailed, `storing the file failed: ${errorMessage(err)}`);
    }
    const { bytes, sha256 } = file;
    // Said only where a heartbeat went before (a long download): a short one costs no heartbeat,
    // and its retry finds the committed file by its time and size (committedSince).
    if (beats > 0) ctx.heartbeat({ ...progress(), bytes, committed: { bytes, sha256 } });
    let location;
    try {
      location = await partial.commit({ bytes, sha256, wav });
    } catch (err) {
      await partial.close();
      throw activityFailure(FailureType.DownloadFailed, `committing the file failed: ${errorMessage(err)}`);
    }
    ctx.log.info('wav downloaded', { location, bytes, resumedFrom: offset, discardedBytes: discarded });
    return { ...describeFile(location, bytes, sha256, wav), attempt: ctx.info.attempt, resumedFrom: offset, discardedBytes: discarded };
  }

  /** Throws InsufficientStorage (retried later) unless `needed` bytes fit with the margin left over. */
  async function ensureFreeSpace(needed: number): Promise<void> {
    const free = await store.freeBytes();
    if (free !== undefined && free - Math.max(0, needed) < deps.minFreeBytes) {
      throw activityFailure(FailureType.InsufficientStorage, `${free} bytes free; ${Math.max(0, needed)} needed plus a ${deps.minFreeBytes} byte margin`);
    }
  }
}

/**
 * Removes what a conversion's download kept to resume (its `.part` file, or its multipart uploads,
 * tail and record): run by the workflow once the conversion is cancelled, since the download then
 * keeps it for a run that will not come.
 */
export function createDiscardPartialWav(store: WavStore) {
  return async function discardPartialWav({ conversionId }: DiscardPartialInput): Promise<void> {
    await store.discardPartial(objectName(conversionId));
  };
}

/** A body that is no WAV file, or ends inside its header: nothing of it is kept. */
async function notAWav(partial: PartialWrite, err: WavFormatError): Promise<ApplicationFailure> {
  await partial.discard();
  return err.problem === 'truncated' ? activityFailure(FailureType.TruncatedDownload, err.message) : activityFailure(FailureType.NotAWavFile, err.message);
}

/** The committed file's size, if it was written since `sinceMs` and no partial file is beside it (and of `total` bytes, when known). */
async function committedSince(store: WavStore, name: string, sinceMs: number, total: number | undefined): Promise<{ bytes: number } | undefined> {
  if (await store.hasPartial(name)) return undefined;
  const file = await store.committed(name);
  if (!file || file.writtenAtMs < sinceMs) return undefined;
  return total === undefined || total === file.bytes ? { bytes: file.bytes } : undefined;
}

/** The committed file, if it is the one an earlier attempt finished (same size, and hash when known). */
async function inspectCommitted(store: WavStore, name: string, expected: { bytes: number; sha256?: string | undefined }) {
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
