import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

/**
 * Where downloads are written. The activity only speaks this interface, so an object store can
 * take the local directory's place (multipart upload for the partial file, then complete).
 */
export interface WavStore {
  /** Bytes of the partial file kept from an earlier attempt (0 when none). */
  partialSize(key: string): Promise<number>;
  readPartial(key: string): Readable;
  /** A stream that appends to (or, with `append` false, replaces) the partial file. */
  writePartial(key: string, append: boolean): Writable;
  discardPartial(key: string): Promise<void>;
  /** Makes the partial file durable and visible under its final name; returns its location. */
  commit(key: string): Promise<string>;
  /** Size of the committed file, if there is one. */
  committedSize(key: string): Promise<number | undefined>;
  /** When the committed file's content was last written (ms since the epoch), if there is one. */
  committedTime(key: string): Promise<number | undefined>;
  readCommitted(key: string): Readable;
  location(key: string): string;
  /** Free bytes where the file is written, or undefined where that cannot be known. */
  freeBytes(): Promise<number | undefined>;
}

/** The default store: `<dir>/<key>.wav`, written as `<dir>/<key>.wav.part` until complete. */
export class LocalDirectoryStore implements WavStore {
  constructor(private readonly dir: string) {}

  location(key: string): string {
    return join(this.dir, `${key}.wav`);
  }

  private part(key: string): string {
    return `${this.location(key)}.part`;
  }

  async partialSize(key: string): Promise<number> {
    return (await sizeOf(this.part(key))) ?? 0;
  }

  readPartial(key: string): Readable {
    return createReadStream(this.part(key));
  }

  writePartial(key: string, append: boolean): Writable {
    return createWriteStream(this.part(key), { flags: append ? 'a' : 'w' });
  }

  async discardPartial(key: string): Promise<void> {
    await rm(this.part(key), { force: true });
  }

  async commit(key: string): Promise<string> {
    const file = await open(this.part(key), 'r+');
    try {
      // On disk, not only in the page cache, before the rename makes it visible.
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(this.part(key), this.location(key));
    return this.location(key);
  }

  committedSize(key: string): Promise<number | undefined> {
    return sizeOf(this.location(key));
  }

  committedTime(key: string): Promise<number | undefined> {
    // rename keeps the modification time: the last write to the partial file.
    return stat(this.location(key)).then(
      (s) => s.mtimeMs,
      () => undefined,
    );
  }

  readCommitted(key: string): Readable {
    return createReadStream(this.location(key));
  }

  async freeBytes(): Promise<number | undefined> {
    await mkdir(this.dir, { recursive: true });
    const fs = await statfs(this.dir);
    return fs.bavail * fs.bsize;
  }

  async prepare(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }
}

async function sizeOf(path: string): Promise<number | undefined> {
  return stat(path).then(
    (s) => s.size,
    () => undefined,
  );
}
