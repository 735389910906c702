import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, statfs } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { FileDigest, type DigestSummary } from './digest';
import type { CommittedFile, PartialWrite, WavAccess, WavStore } from './store';

/**
 * The default store: `<dir>/<name>.wav`, written as `<dir>/<name>.wav.part` until verified. A
 * retry on the same host continues the `.part` file, hashing its bytes again (node:crypto).
 */
export class FileStore implements WavStore {
  constructor(readonly dir: string) {}

  location(name: string): string {
    return join(this.dir, `${name}.wav`);
  }

  part(name: string): string {
    return `${this.location(name)}.part`;
  }

  async resume(name: string): Promise<PartialWrite> {
    await mkdir(this.dir, { recursive: true });
    return new FilePartialWrite(this, name, (await sizeOf(this.part(name))) ?? 0);
  }

  async hasPartial(name: string): Promise<boolean> {
    return (await sizeOf(this.part(name))) !== undefined;
  }

  async committed(name: string): Promise<CommittedFile | undefined> {
    const file = this.location(name);
    const info = await stat(file).catch(() => undefined);
    if (!info) return undefined;
    return {
      bytes: info.size,
      // rename keeps the modification time: the last write to the partial file.
      writtenAtMs: info.mtimeMs,
      digest: async () => {
        const digest = new FileDigest();
        for await (const chunk of createReadStream(file)) digest.absorb(chunk as Buffer);
        return digest.finish();
      },
    };
  }

  async access(name: string): Promise<WavAccess | undefined> {
    const file = `${name}.wav`;
    // Served relative to the store's directory: the name is one segment, so nothing outside it.
    return (await sizeOf(join(this.dir, file))) === undefined ? undefined : { kind: 'file', root: this.dir, file };
  }

  async freeBytes(): Promise<number | undefined> {
    await mkdir(this.dir, { recursive: true });
    const fs = await statfs(this.dir);
    return fs.bavail * fs.bsize;
  }
}

class FilePartialWrite implements PartialWrite {
  private writer: WriteStream | undefined;
  private digest: FileDigest | undefined;
  private failure: Error | undefined;

  constructor(
    private readonly store: FileStore,
    private readonly name: string,
    public offset: number,
  ) {}

  private get path(): string {
    return this.store.part(this.name);
  }

  async write(chunk: Buffer): Promise<void> {
    const writer = await this.open();
    this.digest!.absorb(chunk);
    if (this.failure) throw this.failure;
    // `once` rejects when the stream errors while it waits.
    if (!writer.write(chunk)) await once(writer, 'drain');
  }

  async restart(): Promise<void> {
    await this.closeWriter();
    this.digest = undefined;
    this.offset = 0;
    await rm(this.path, { force: true });
  }

  checkpoint(): undefined {
    return undefined; // the .part file on this host is the checkpoint
  }

  async finish(): Promise<DigestSummary> {
    await this.open();
    await this.closeWriter();
    if (this.failure) throw this.failure;
    const file = await open(this.path, 'r+');
    try {
      // On disk, not only in the page cache, before the rename makes it visible.
      await file.sync();
    } finally {
      await file.close();
    }
    return this.digest!.finish();
  }

  async commit(): Promise<string> {
    await rename(this.path, this.store.location(this.name));
    return this.store.location(this.name);
  }

  close(): Promise<void> {
    return this.closeWriter();
  }

  async discard(): Promise<void> {
    await this.closeWriter();
    await rm(this.path, { force: true });
  }

  /** The append stream, once the bytes kept from earlier attempts are hashed (the hash covers the whole file). */
  private async open(): Promise<WriteStream> {
    if (this.writer) return this.writer;
    this.digest = new FileDigest();
    if (this.offset > 0) for await (const chunk of createReadStream(this.path, { end: this.offset - 1 })) this.digest.absorb(chunk as Buffer);
    const writer = createWriteStream(this.path, { flags: this.offset > 0 ? 'a' : 'w' });
    // A failed write surfaces on the next call instead of crashing the process.
    writer.on('error', (err) => (this.failure ??= err));
    this.writer = writer;
    return writer;
  }

  /** Ends the stream so that everything written reaches the file, even after the source failed. */
  private async closeWriter(): Promise<void> {
    const writer = this.writer;
    this.writer = undefined;
    if (!writer || writer.destroyed || writer.writableFinished) return;
    await new Promise<void>((resolve) => {
      // A failure is already recorded by the stream's error listener.
      writer.once('error', () => resolve());
      writer.end(() => resolve());
    });
  }
}

async function sizeOf(path: string): Promise<number | undefined> {
  return stat(path).then(
    (s) => s.size,
    () => undefined,
  );
}
