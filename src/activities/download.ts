import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../failures';
import { parseWavHeader, WAV_HEADER_SCAN_BYTES, WavFormatError } from '../wav';
import type { DownloadResult } from '../workflows';

export interface DownloadInput {
  conversionId: string;
  url: string;
}

export interface DownloadDeps {
  outputDir: string;
}

/** File host answers that mean the URL is no longer good; the workflow can ask for a fresh one. */
const EXPIRED_STATUSES = [403, 404, 410];
const HEARTBEAT_EVERY_MS = 1_000;

/**
 * Streams the WAV to `<dir>/<id>.wav.part` (never holding it in memory), hashes it on the way,
 * verifies size and header, fsyncs, then renames it into place so a reader never sees half a file.
 */
export function createDownloadWav({ outputDir }: DownloadDeps) {
  return async function downloadWav({ conversionId, url }: DownloadInput): Promise<DownloadResult> {
    const ctx = Context.current();
    const finalPath = join(outputDir, `${fileStem(conversionId)}.wav`);
    const partPath = `${finalPath}.part`;
    await mkdir(outputDir, { recursive: true });

    let response: Response;
    try {
      response = await fetch(url, { signal: ctx.cancellationSignal });
    } catch (err) {
      if (ctx.cancellationSignal.aborted) throw err;
      throw ApplicationFailure.retryable(`request failed: ${errorMessage(err)}`, FailureType.DownloadFailed);
    }
    if (EXPIRED_STATUSES.includes(response.status)) {
      await response.body?.cancel();
      throw ApplicationFailure.nonRetryable(`file host answered ${response.status}`, FailureType.WavUrlExpired);
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw ApplicationFailure.retryable(`file host answered ${response.status}`, FailureType.DownloadFailed);
    }
    const announced = Number(response.headers.get('content-length') ?? NaN);

    const total = Number.isFinite(announced) ? announced : undefined;
    const meter = new DownloadMeter();
    // Heartbeats carry progress, and are how a cancellation reaches a download that is stalled.
    const heartbeat = setInterval(() => ctx.heartbeat({ bytes: meter.bytes, total }), HEARTBEAT_EVERY_MS);
    try {
      await pipeline(Readable.fromWeb(response.body), meter, createWriteStream(partPath), { signal: ctx.cancellationSignal });
      await fsync(partPath);
    } catch (err) {
      await rm(partPath, { force: true });
      if (ctx.cancellationSignal.aborted) throw err;
      throw ApplicationFailure.retryable(`download interrupted after ${meter.bytes} bytes: ${errorMessage(err)}`, FailureType.DownloadFailed);
    } finally {
      clearInterval(heartbeat);
    }

    try {
      if (Number.isFinite(announced) && meter.bytes !== announced) {
        throw ApplicationFailure.retryable(`received ${meter.bytes} of ${announced} bytes`, FailureType.TruncatedDownload);
      }
      const wav = verifyWav(meter.head(), meter.bytes);
      await rename(partPath, finalPath);
      ctx.log.info('wav downloaded', { path: finalPath, bytes: meter.bytes });
      return {
        path: finalPath,
        bytes: meter.bytes,
        sha256: meter.sha256(),
        audioFormat: wav.audioFormat,
        sampleRate: wav.sampleRate,
        channels: wav.channels,
        bitsPerSample: wav.bitsPerSample,
        durationSeconds: wav.durationSeconds,
        attempt: ctx.info.attempt,
      };
    } catch (err) {
      await rm(partPath, { force: true });
      throw err;
    }
  };
}

function verifyWav(head: Buffer, bytes: number) {
  try {
    return parseWavHeader(head, bytes);
  } catch (err) {
    if (!(err instanceof WavFormatError)) throw err;
    if (err.problem === 'truncated') throw ApplicationFailure.retryable(err.message, FailureType.TruncatedDownload);
    throw ApplicationFailure.nonRetryable(err.message, FailureType.NotAWavFile);
  }
}

/** Counts, hashes and keeps the head of the bytes flowing through. */
class DownloadMeter extends Transform {
  bytes = 0;
  private readonly hash = createHash('sha256');
  private readonly headChunks: Buffer[] = [];
  private headBytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    if (this.headBytes < WAV_HEADER_SCAN_BYTES) {
      const slice = chunk.subarray(0, WAV_HEADER_SCAN_BYTES - this.headBytes);
      this.headChunks.push(Buffer.from(slice));
      this.headBytes += slice.length;
    }
    done(null, chunk);
  }

  head(): Buffer {
    return Buffer.concat(this.headChunks);
  }

  sha256(): string {
    return this.hash.digest('hex');
  }
}

/** Conversion ids are validated upstream; this only guarantees a single path segment. */
function fileStem(conversionId: string): string {
  return conversionId.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
}

/** The bytes are on disk, not only in the page cache, before the rename makes the file visible. */
async function fsync(path: string): Promise<void> {
  const file = await open(path, 'r+');
  try {
    await file.sync();
  } finally {
    await file.close();
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
