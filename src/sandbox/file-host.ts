import { open } from 'node:fs/promises';
import type { Request, Response } from 'express';
import type { Scenario } from './scenario';
import type { ServedFile } from './task-store';

/** Bytes read from disk and written to the socket at a time (unthrottled). */
const CHUNK_BYTES = 256 * 1024;

/**
 * A file host with the behaviours a download must survive: Range and If-Range (or not), slow
 * links, connections cut mid-body, bodies that stop mid-way with the connection left open, bodies
 * shorter than the file without a Content-Length, redirects, and bodies that are not WAV at all.
 *
 * Every wait here also ends when the connection closes: a client killed while the host reads
 * the disk has closed it before the host waits for it to drain, and a wait for a 'drain' that can
 * no longer come would hold the request (and its file handle, until the garbage collector closes
 * it) forever, its bytes never counted.
 * @param attempt 1 for the first request of this file, 2 for the next, ...
 * @param sent told of the body bytes as they are handed to the connection
 */
export async function serveFile(req: Request, res: Response, file: ServedFile, scenario: Scenario, attempt: number, sent: (bytes: number) => void): Promise<void> {
  if (scenario.redirectTo) return void res.redirect(302, scenario.redirectTo);
  if (scenario.notWav) return void res.type('text/html').send('<html><body>Sorry, this link has moved.</body></html>');

  const etag = `"${file.sha256.slice(0, 16)}"`;
  const lastModified = file.createdAt.toUTCString();
  let start = 0;
  const range = /^bytes=(\d+)-$/.exec(req.get('range') ?? '');
  const ifRange = req.get('if-range');
  // If-Range: serve the range only while the file is the one the client started with.
  if (range && !scenario.ignoreRange && (!ifRange || ifRange === etag || ifRange === lastModified)) {
    start = Number(range[1]);
    if (start >= file.bytes) {
      res.status(416).set('content-range', `bytes */${file.bytes}`).end();
      return;
    }
  }

  const cut = attempt <= (scenario.cuts ?? 1) && scenario.cutAfterFraction !== undefined;
  const stall = attempt <= (scenario.stalls ?? 1) && scenario.stallAfterFraction !== undefined;
  const truncate = attempt === 1 && scenario.truncateWithoutLength;
  const stopAt = stall
    ? Math.floor(file.bytes * (scenario.stallAfterFraction ?? 0.5))
    : cut || truncate
      ? Math.floor(file.bytes * (scenario.cutAfterFraction ?? 0.5))
      : file.bytes;

  res.status(start > 0 ? 206 : 200).set({ 'content-type': 'audio/wav', etag, 'last-modified': lastModified, 'accept-ranges': 'bytes' });
  if (start > 0) res.set('content-range', `bytes ${start}-${file.bytes - 1}/${file.bytes}`);
  if (!truncate) res.set('content-length', String(file.bytes - start));

  const rate = scenario.throttleBytesPerSecond;
  const step = rate ? Math.max(1, Math.floor(rate / 10)) : CHUNK_BYTES;
  const end = Math.max(stopAt, start);
  const handle = await open(file.path);
  try {
    for (let at = start; at < end && !res.destroyed; at += step) {
      const length = Math.min(step, end - at);
      // A fresh buffer each time: the connection may still hold the last one.
      const { buffer, bytesRead } = await handle.read(Buffer.allocUnsafe(length), 0, length, at);
      if (res.destroyed || bytesRead === 0) break;
      const flushed = res.write(buffer.subarray(0, bytesRead));
      sent(bytesRead);
      if (rate) await untilClosedOr(res, throttleTick);
      else if (!flushed) await untilClosedOr(res, (done) => drained(res, done));
    }
  } finally {
    await handle.close();
  }
  // A stall keeps the connection open and says nothing more, until the client gives up.
  if (stall && stopAt < file.bytes) return untilClosedOr(res, () => undefined);
  // A cut is the connection dropping mid-body (after what was sent has left this process, so the
  // bytes counted as served are the bytes the client can receive); a truncation ends cleanly.
  if (cut && stopAt < file.bytes) {
    // A write's callback never comes on a connection that closed meanwhile: the close ends the wait too.
    await untilClosedOr(res, (done) => {
      res.write(Buffer.alloc(0), done);
    });
    res.destroy();
  } else res.end();
}

/** A throttled host sends a tenth of its rate, then waits this tick. */
function throttleTick(done: () => void): () => void {
  const timer = setTimeout(done, 100);
  return () => clearTimeout(timer);
}

function drained(res: Response, done: () => void): () => void {
  res.on('drain', done);
  return () => res.off('drain', done);
}

/**
 * Waits for what `arm` waits for (it calls `done`, and returns how to stop waiting) or for the
 * connection to close, whichever comes first; at once when it is closed already.
 */
function untilClosedOr(res: Response, arm: (done: () => void) => (() => void) | void): Promise<void> {
  if (res.destroyed || res.closed) return Promise.resolve();
  return new Promise((resolve) => {
    const armed: { disarm?: (() => void) | void } = {};
    const done = () => {
      res.off('close', done);
      armed.disarm?.();
      resolve();
    };
    res.on('close', done);
    armed.disarm = arm(done);
  });
}
