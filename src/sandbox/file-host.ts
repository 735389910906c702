import { open } from 'node:fs/promises';
import type { Request, Response } from 'express';
import type { Scenario } from './scenario';
import type { ServedFile } from './task-store';

/**
 * A file host with the behaviours a download must survive: Range and If-Range (or not), slow
 * links, connections cut mid-body, bodies that stop mid-way with the connection left open, bodies
 * shorter than the file without a Content-Length, redirects, and bodies that are not WAV at all.
 * @param attempt 1 for the first request of this file, 2 for the next, ...
 * @returns the body bytes sent
 */
export async function serveFile(req: Request, res: Response, file: ServedFile, scenario: Scenario, attempt: number): Promise<number> {
  if (scenario.redirectTo) return void res.redirect(302, scenario.redirectTo), 0;
  if (scenario.notWav) return void res.type('text/html').send('<html><body>Sorry, this link has moved.</body></html>'), 0;

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
      return 0;
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
  const step = rate ? Math.max(1, Math.floor(rate / 10)) : 64 * 1024;
  const handle = await open(file.path);
  let sent = 0;
  try {
    for (let at = start; at < Math.max(stopAt, start) && !res.destroyed; at += step) {
      const length = Math.min(step, Math.max(stopAt, start) - at);
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(length), 0, length, at);
      const flushed = res.write(buffer.subarray(0, bytesRead));
      sent += bytesRead;
      if (rate) await new Promise((resolve) => setTimeout(resolve, 100));
      else if (!flushed) await drainedOrClosed(res);
    }
  } finally {
    await handle.close();
  }
  // A stall keeps the connection open and says nothing more, until the client gives up.
  if (stall && stopAt < file.bytes) {
    if (!res.destroyed) await new Promise((resolve) => res.once('close', resolve));
    return sent;
  }
  // A cut is the connection dropping mid-body (after what was sent has left this process, so the
  // bytes counted as served are the bytes the client can receive); a truncation ends cleanly.
  if (cut && stopAt < file.bytes) {
    await new Promise<void>((resolve) => res.write(Buffer.alloc(0), () => resolve()));
    res.destroy();
  } else res.end();
  return sent;
}

/** A client that goes away never drains the response: stop waiting when the connection closes. */
function drainedOrClosed(res: Response): Promise<void> {
  // Already gone (a client killed mid-body): 'close' has fired and will not fire again.
  if (res.destroyed || res.closed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
