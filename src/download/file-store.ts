import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { FileDigest, type DigestSummary } from './digest';
import { readResumeRecord } from './resume-record';
import type { CommittedFile, PartialWrite, ResumeRecord, WavAccess, WavStore } from './store';

/**
 * Bytes the `.part` file's write stream buffers before it asks the download to wait. Node's
 * default (16 KiB) is less than one chunk from the socket, so every chunk waited for its own disk
 * write before the next was read: 0.6 of a bare read, hash and write loop (bench:download). A
 * MiB lets writes overlap reading and hashing, and bounds what a download holds in memory.
 */
const WRITE_BUFFER_BYTES = 1024 ** 2;

/**
 * The default store: `<dir>/<name>.wav`, written as `<dir>/<name>.wav.part` until verified, with
 * its resume record in `<dir>/<name>.wav.part.json`. A retry on the same host continues the
 * `.part` file, hashing its bytes again (node:crypto).
 */
export class FileStore implements WavStore {
  constructor(readonly dir: string) {}

  location(name: string): string {
    return join(this.dir, `${name}.wav`);
  }

  part(name: string): string {
    return `${this.location(name)}.part`;
  }

  /** The resume record beside the `.part` file: the validator its bytes were fetched under. */
  record(name: string): string {
    return `${this.part(name)}.json`;
  }

  async resume(name: string): Promise<PartialWrite> {
    await mkdir(this.dir, { recursive: true });
    return new FilePartialWrite(this, name, (await sizeOf(this.part(name))) ?? 0);
  }

  async resumeRecord(name: string): Promise<ResumeRecord | undefined> {
    // The `.part` file's size is what a retry continues from; a record without it is stale.
    if ((await sizeOf(this.part(name))) === undefined) return undefined;
    return readResumeRecord(await readFile(this.record(name), 'utf8').catch(() => undefined));
  }

  async hasPartial(name: string): Promise<boolean> {
    return (await sizeOf(this.part(name))) !== undefined;
  }

  async discardPartial(name: string): Promise<void> {
    await rm(this.part(name), { force: true });
    await rm(this.record(name), { force: true });
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
  /** Bytes handed to the file this attempt. */
  private written = 0;

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
    this.written += chunk.length;
    if (this.failure) throw this.failure;
    // `once` rejects when the stream errors while it waits.
    if (!writer.write(chunk)) await once(writer, 'drain');
  }

  async restart(): Promise<void> {
    await this.closeWriter();
    this.digest = undefined;
    this.offset = 0;
    this.written = 0;
    // The record first: it must never name a validator the bytes left behind were not fetched under.
    await rm(this.store.record(this.name), { force: true });
    await rm(this.path, { force: true });
  }

  checkpoint(): undefined {
    return undefined; // the .part file on this host is the checkpoint
  }

  kept(): number {
    return this.offset + this.written;
  }

  async keepNote(note: object): Promise<void> {
    // Before the first byte: whatever the .part file holds from then on was fetched under this note.
    const record: ResumeRecord = { note, kept: 0 };
    await writeFile(this.store.record(this.name), JSON.stringify(record));
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
    // A record left by a crash here is stale: a record without its .part file is never read.
    await rm(this.store.record(this.name), { force: true });
    return this.store.location(this.name);
  }

  close(): Promise<void> {
    return this.closeWriter();
  }

  async discard(): Promise<void> {
    await this.closeWriter();
    await this.store.discardPartial(this.name);
  }

  /** The append stream, once the bytes kept from earlier attempts are hashed (the hash covers the whole file). */
  private async open(): Promise<WriteStream> {
    if (this.writer) return this.writer;
    this.digest = new FileDigest();
    if (this.offset > 0) for await (const chunk of createReadStream(this.path, { end: this.offset - 1 })) this.digest.absorb(chunk as Buffer);
    const writer = createWriteStream(this.path, { flags: this.offset > 0 ? 'a' : 'w', highWaterMark: WRITE_BUFFER_BYTES });
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
