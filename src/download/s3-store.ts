import { randomUUID } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { z } from 'zod';
import { parseWavHeader, WAV_HEADER_SCAN_BYTES } from '../wav';
import { FileDigest, ResumableSha256, type DigestSummary } from './digest';
import { readResumeRecord } from './resume-record';
import type { CommittedFile, PartialWrite, ResumeRecord, VerifiedWav, WavAccess, WavStore } from './store';

export interface S3StoreOptions {
  client: S3Client;
  bucket: string;
  /** Prepended to every key: '' or a folder ending in '/'. */
  prefix: string;
  /** Size of every part but the last (S3 wants at least 5 MiB). */
  partBytes: number;
  /** Lifetime of the presigned URLs `access` hands out. */
  urlTtlSeconds: number;
  /** Parts uploading at once per download, while the next one fills (memory: one part more than this). */
  partsInFlight?: number;
}

/** Object metadata (x-amz-meta-*) set when the upload is created. */
const META = {
  writeId: 'wavflow-write-id',
  audioFormat: 'wav-audio-format',
  channels: 'wav-channels',
  sampleRate: 'wav-sample-rate',
  bitsPerSample: 'wav-bits-per-sample',
} as const;

const digestStateSchema = z.object({ sha256State: z.string().min(1), head: z.string() });

/**
 * What a heartbeat carries so that another process can continue an upload: parts 1..n (each
 * `partBytes` long) are complete, with the digest state after their last byte; and, when an
 * attempt ended without dying (a cut connection), the bytes past them that did not fill a part,
 * kept as a small object of their own (`tail`, with the digest state after it). S3 parts but the
 * last must be 5 MiB or more, so without the tail a file smaller than one part could never resume.
 */
const checkpointSchema = z.object({
  writeId: z.string().min(1),
  partBytes: z.number().int().positive(),
  uploadId: z.string().min(1).optional(),
  etags: z.array(z.string()),
  parts: digestStateSchema.optional(),
  tail: digestStateSchema.extend({ bytes: z.number().int().positive() }).optional(),
});
type S3Checkpoint = z.infer<typeof checkpointSchema>;

/** What a retry continues from: the whole parts (their hash state), and maybe the tail's bytes. */
interface Kept {
  checkpoint: S3Checkpoint;
  hash: ResumableSha256;
  tail?: Buffer;
}

/**
 * Written just before CompleteMultipartUpload, after the checks: the sha256 of the object whose
 * metadata has the same write id. Multipart completion cannot add metadata once the hash is known,
 * and copying the object onto itself to add it would write every byte twice.
 */
const verifiedRecordSchema = z.object({
  writeId: z.string(),
  bytes: z.number(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  audioFormat: z.number(),
  channels: z.number(),
  sampleRate: z.number(),
  bitsPerSample: z.number(),
});

/**
 * A bucket of an S3-compatible store (AWS S3, R2, MinIO, Ceph, SeaweedFS): `<prefix><name>.wav`,
 * written as a multipart upload that is completed only after the checks, so a reader never sees
 * half a file. Beside it, `<name>.wav.verified.json` records its sha256; while a download is
 * under way, `<name>.wav.part.json` is its resume record (the upload, its whole parts, the digest
 * state after them), and while it is interrupted `<name>.wav.part` may hold the bytes that did not
 * fill a part.
 */
export class S3Store implements WavStore {
  readonly bucket: string;
  private readonly prefix: string;

  constructor(readonly options: S3StoreOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix;
  }

  get client(): S3Client {
    return this.options.client;
  }

  key(name: string): string {
    return `${this.prefix}${name}.wav`;
  }

  recordKey(name: string): string {
    return `${this.key(name)}.verified.json`;
  }

  location(name: string): string {
    return `s3://${this.bucket}/${this.key(name)}`;
  }

  async resume(name: string, saved: unknown): Promise<PartialWrite> {
    const key = this.key(name);
    const [uploads, tail] = await Promise.all([this.uploadsOf(key), this.takeTail(name)]);
    const parsed = checkpointSchema.safeParse(saved);
    // A tail-only checkpoint may name an upload that is gone (aborted since): then it has none.
    const checkpoint =
      parsed.success && parsed.data.etags.length === 0 && parsed.data.uploadId && !uploads.includes(parsed.data.uploadId)
        ? { ...parsed.data, uploadId: undefined }
        : parsed.success
          ? parsed.data
          : undefined;
    let kept: Kept | undefined;
    const partsHeld =
      checkpoint !== undefined &&
      (checkpoint.etags.length === 0 || (checkpoint.uploadId !== undefined && uploads.includes(checkpoint.uploadId) && (await this.partsMatch(key, checkpoint))));
    if (checkpoint && partsHeld) {
      // A state from another build of hash-wasm does not load: then the upload starts over.
      const load = (state: string) => ResumableSha256.create(state).catch(() => undefined);
      const tailHeld = checkpoint.tail && tail?.length === checkpoint.tail.bytes ? checkpoint.tail : undefined;
      if (tailHeld) {
        const hash = await load(tailHeld.sha256State);
        if (hash) kept = { checkpoint, hash, tail };
      }
      if (!kept && checkpoint.parts && checkpoint.etags.length > 0) {
        const hash = await load(checkpoint.parts.sha256State);
        if (hash) kept = { checkpoint: { ...checkpoint, tail: undefined }, hash };
      }
    }
    // Uploads of this key that the heartbeat does not name can only be stale: an attempt that
    // died before its heartbeat said which upload it was, or an earlier run of the conversion.
    await Promise.all(uploads.filter((id) => id !== kept?.checkpoint.uploadId).map((id) => this.abort(key, id)));
    return S3PartialWrite.start(this, name, kept);
  }

  /** Reads and removes the tail object an earlier attempt left (a stale one is removed all the same). */
  private async takeTail(name: string): Promise<Buffer | undefined> {
    const key = this.tailKey(name);
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return Buffer.from(await object.Body!.transformToByteArray());
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    } finally {
      await this.removeTail(name);
    }
  }

  tailKey(name: string): string {
    return `${this.key(name)}.part`;
  }

  /** The resume record: what `resume` needs, kept in the bucket so that no heartbeat is needed. */
  resumeKey(name: string): string {
    return `${this.key(name)}.part.json`;
  }

  async resumeRecord(name: string): Promise<ResumeRecord | undefined> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.resumeKey(name) }));
      return readResumeRecord(await object.Body!.transformToString());
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async writeResumeRecord(name: string, record: ResumeRecord): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.resumeKey(name), ContentType: 'application/json', Body: JSON.stringify(record) }));
  }

  async removeResumeRecord(name: string): Promise<void> {
    await this.removeObject(this.resumeKey(name));
  }

  async discardPartial(name: string): Promise<void> {
    const key = this.key(name);
    await Promise.all((await this.uploadsOf(key)).map((id) => this.abort(key, id)));
    await Promise.all([this.removeTail(name), this.removeResumeRecord(name)]);
  }

  async removeTail(name: string): Promise<void> {
    await this.removeObject(this.tailKey(name));
  }

  private async removeObject(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })).catch((err: unknown) => {
      if (!isMissing(err)) throw err;
    });
  }

  async hasPartial(name: string): Promise<boolean> {
    return (await this.uploadsOf(this.key(name))).length > 0 || (await this.head(this.tailKey(name))) !== undefined;
  }

  async committed(name: string): Promise<CommittedFile | undefined> {
    const key = this.key(name);
    const head = await this.head(key);
    if (!head) return undefined;
    const bytes = head.ContentLength ?? 0;
    return {
      bytes,
      writtenAtMs: head.LastModified?.getTime() ?? 0,
      digest: async () => {
        const record = await this.verifiedRecord(name);
        if (record && record.writeId === head.Metadata?.[META.writeId] && record.bytes === bytes) {
          const first = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=0-${WAV_HEADER_SCAN_BYTES - 1}` }));
          return { bytes, sha256: record.sha256, head: Buffer.from(await first.Body!.transformToByteArray()) };
        }
        // No record of this object (written by hand, or its record is gone): hash it again.
        const digest = new FileDigest();
        const body = (await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }))).Body as AsyncIterable<Uint8Array>;
        for await (const chunk of body) digest.absorb(chunk);
        return digest.finish();
      },
    };
  }

  async access(name: string, { filename }: { filename: string }): Promise<WavAccess | undefined> {
    const key = this.key(name);
    if (!(await this.head(key))) return undefined;
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ResponseContentType: 'audio/wav',
      ResponseContentDisposition: `attachment; filename="${filename}"`,
    });
    return { kind: 'url', url: await getSignedUrl(this.client, command, { expiresIn: this.options.urlTtlSeconds }) };
  }

  freeBytes(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  /** Multipart uploads in progress for exactly this key (a listing by prefix also finds longer keys). */
  async uploadsOf(key: string): Promise<string[]> {
    const ids: string[] = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const page = await this.client.send(
        new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: key, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
      );
      for (const upload of page.Uploads ?? []) if (upload.Key === key && upload.UploadId) ids.push(upload.UploadId);
      if (!page.IsTruncated) return ids;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
  }

  async abort(key: string, uploadId: string): Promise<void> {
    await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId })).catch((err: unknown) => {
      if (!isMissing(err)) throw err; // already gone
    });
  }

  /** The parts the checkpoint counts on are all in the upload, with the same ETags and full size. */
  private async partsMatch(key: string, checkpoint: S3Checkpoint): Promise<boolean> {
    const found = new Map<number, { etag: string; size: number }>();
    let marker: string | undefined;
    for (;;) {
      const page = await this.client.send(new ListPartsCommand({ Bucket: this.bucket, Key: key, UploadId: checkpoint.uploadId!, PartNumberMarker: marker }));
      for (const part of page.Parts ?? []) found.set(part.PartNumber ?? 0, { etag: part.ETag ?? '', size: part.Size ?? 0 });
      if (!page.IsTruncated || found.size >= checkpoint.etags.length) break;
      marker = page.NextPartNumberMarker;
    }
    return checkpoint.etags.every((etag, i) => found.get(i + 1)?.etag === etag && found.get(i + 1)?.size === checkpoint.partBytes);
  }

  private async head(key: string) {
    return this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key })).catch((err: unknown) => {
      if (isMissing(err)) return undefined;
      throw err;
    });
  }

  private async verifiedRecord(name: string) {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.recordKey(name) }));
      const parsed = verifiedRecordSchema.safeParse(JSON.parse(await object.Body!.transformToString()));
      return parsed.success ? parsed.data : undefined;
    } catch (err) {
      if (isMissing(err) || err instanceof SyntaxError) return undefined;
      throw err;
    }
  }

  async writeVerifiedRecord(name: string, writeId: string, { bytes, sha256, wav }: VerifiedWav): Promise<void> {
    const { audioFormat, channels, sampleRate, bitsPerSample } = wav;
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.recordKey(name),
        ContentType: 'application/json',
        Body: JSON.stringify({ writeId, bytes, sha256, audioFormat, channels, sampleRate, bitsPerSample }),
      }),
    );
  }
}

/**
 * One attempt's multipart upload. The body is cut into parts of `partBytes`; a part uploads while
 * the next one fills, and the digest state at each part's end is kept until that part is complete,
 * so a checkpoint never counts a byte S3 does not hold. The upload is created when the first part
 * is full (or the body ends), once the WAV header is known: its format goes into the metadata.
 */
class S3PartialWrite implements PartialWrite {
  offset: number;
  private hash!: ResumableSha256;
  private digest!: FileDigest;
  private writeId!: string;
  private uploadId: string | undefined;
  private partBytes!: number;
  /** ETags of parts 1..n, each complete. */
  private etags: string[] = [];
  private readonly doneOutOfOrder = new Map<number, { etag: string; size: number }>();
  private lastSize = 0;
  /** Digest state after part n, kept until part n is complete. */
  private readonly stateAfter = new Map<number, { sha256State: string; head: string }>();
  private readonly uploading = new Map<number, Promise<void>>();
  private nextPart = 1;
  private buffer: Buffer | undefined;
  private fill = 0;
  private readonly spare: Buffer[] = [];
  private failure: Error | undefined;
  /** The bytes past the whole parts, kept as an object by `close`, with the digest state after them. */
  private tail: { bytes: number; sha256State: string; head: string } | undefined;
  /** The activity's note for the resume record, once given. */
  private note: object | undefined;
  /** Resume record writes, one after the other, so an older one never lands last. */
  private recordWrites: Promise<void> = Promise.resolve();

  private constructor(
    private readonly store: S3Store,
    private readonly name: string,
  ) {
    this.offset = 0;
  }

  static async start(store: S3Store, name: string, kept?: Kept): Promise<S3PartialWrite> {
    const write = new S3PartialWrite(store, name);
    if (!kept) {
      await write.reset();
      return write;
    }
    const { checkpoint, hash, tail } = kept;
    const state = checkpoint.tail ?? checkpoint.parts!;
    write.offset = checkpoint.etags.length * checkpoint.partBytes + (tail?.length ?? 0);
    write.hash = hash;
    write.digest = new FileDigest(hash, write.offset, Buffer.from(state.head, 'base64'));
    write.writeId = checkpoint.writeId;
    write.uploadId = checkpoint.uploadId;
    write.partBytes = checkpoint.partBytes;
    write.etags = [...checkpoint.etags];
    write.lastSize = checkpoint.partBytes;
    write.nextPart = checkpoint.etags.length + 1;
    if (checkpoint.parts) write.stateAfter.set(checkpoint.etags.length, checkpoint.parts);
    if (tail) {
      // The tail goes back into the part it started; the digest has already seen it.
      write.buffer = Buffer.allocUnsafe(write.partBytes);
      write.fill = tail.copy(write.buffer);
    }
    return write;
  }

  private get key(): string {
    return this.store.key(this.name);
  }

  private get client(): S3Client {
    return this.store.client;
  }

  async write(chunk: Buffer): Promise<void> {
    this.throwFailure();
    for (let at = 0; at < chunk.length; ) {
      this.buffer ??= this.spare.pop() ?? Buffer.allocUnsafe(this.partBytes);
      const copied = chunk.copy(this.buffer, this.fill, at);
      // Absorbed piece by piece, so that the state saved at a part's end is exactly that.
      this.digest.absorb(chunk.subarray(at, at + copied));
      this.fill += copied;
      at += copied;
      if (this.fill === this.partBytes) await this.sendPart();
    }
  }

  async restart(): Promise<void> {
    await this.discard();
    await this.reset();
  }

  kept(): number {
    const checkpoint = this.checkpoint();
    return checkpoint ? checkpoint.etags.length * checkpoint.partBytes + (checkpoint.tail?.bytes ?? 0) : 0;
  }

  async keepNote(note: object): Promise<void> {
    this.note = note;
    await this.saveRecord();
  }

  /**
   * Writes the resume record as the checkpoint stands (after what is queued before it). A record
   * that could not be written is an older one left standing, which resumes from fewer bytes:
   * `resume` checks every part it names.
   */
  private saveRecord(): Promise<void> {
    const note = this.note;
    if (!note) return this.recordWrites;
    this.recordWrites = this.recordWrites.then(() =>
      this.store.writeResumeRecord(this.name, { note, kept: this.kept(), ...(this.checkpoint() ? { checkpoint: this.checkpoint() } : {}) }).catch(() => undefined),
    );
    return this.recordWrites;
  }

  /** Removes the resume record once the writes queued before it are done. */
  private async removeRecord(): Promise<void> {
    this.note = undefined;
    await this.recordWrites;
    await this.store.removeResumeRecord(this.name);
  }

  checkpoint(): S3Checkpoint | undefined {
    // Only whole parts: a short last part is uploaded again with the rest of the body.
    const parts = this.etags.length > 0 && this.lastSize !== this.partBytes ? this.etags.length - 1 : this.etags.length;
    const state = this.stateAfter.get(parts);
    const tail = this.tail && parts === this.etags.length ? this.tail : undefined;
    if (!tail && (parts < 1 || !state)) return undefined;
    return {
      writeId: this.writeId,
      partBytes: this.partBytes,
      ...(this.uploadId ? { uploadId: this.uploadId } : {}),
      etags: this.etags.slice(0, parts),
      ...(state && parts > 0 ? { parts: state } : {}),
      ...(tail ? { tail } : {}),
    };
  }

  async finish(): Promise<DigestSummary> {
    this.throwFailure();
    if (this.fill > 0) await this.sendPart();
    await this.settle();
    this.throwFailure();
    await this.recordWrites;
    return this.digest.finish();
  }

  async commit(verified: VerifiedWav): Promise<string> {
    if (!this.uploadId || this.etags.length === 0) throw new Error('nothing was uploaded');
    await this.store.writeVerifiedRecord(this.name, this.writeId, verified);
    await this.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.store.bucket,
        Key: this.key,
        UploadId: this.uploadId,
        MultipartUpload: { Parts: this.etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
    // A record left by a crash here names an upload that is gone: `resume` then starts over, and
    // the committed object is adopted before that.
    await this.removeRecord().catch(() => undefined);
    return this.store.location(this.name);
  }

  async close(): Promise<void> {
    await this.settle();
    // Keep the bytes that did not fill a part, when every part before them is complete: the next
    // attempt continues exactly here instead of at the last part's end.
    if (this.buffer && this.fill > 0 && !this.failure && this.uploading.size === 0 && this.etags.length === this.nextPart - 1) {
      const state = { sha256State: this.hash.save(), head: headToKeep(this.digest.head()).toString('base64') };
      try {
        await this.client.send(new PutObjectCommand({ Bucket: this.store.bucket, Key: this.store.tailKey(this.name), Body: this.buffer.subarray(0, this.fill) }));
        this.tail = { ...state, bytes: this.fill };
      } catch {
        // Then the next attempt continues at the last whole part.
      }
    }
    this.buffer = undefined;
    this.spare.length = 0;
    await this.saveRecord();
  }

  async discard(): Promise<void> {
    // Parts still uploading could land after the abort: wait for them first.
    await this.settle();
    this.buffer = undefined;
    await this.removeRecord();
    if (this.uploadId) await this.store.abort(this.key, this.uploadId);
    this.uploadId = undefined;
    this.tail = undefined;
    await this.store.removeTail(this.name);
  }

  private async reset(): Promise<void> {
    this.offset = 0;
    this.hash = await ResumableSha256.create();
    this.digest = new FileDigest(this.hash);
    this.writeId = randomUUID();
    this.uploadId = undefined;
    this.partBytes = this.store.options.partBytes;
    this.etags = [];
    this.doneOutOfOrder.clear();
    this.stateAfter.clear();
    this.lastSize = 0;
    this.nextPart = 1;
    this.fill = 0;
    this.failure = undefined;
    this.tail = undefined;
  }

  private async sendPart(): Promise<void> {
    const number = this.nextPart++;
    const buffer = this.buffer!;
    const body = buffer.subarray(0, this.fill);
    this.stateAfter.set(number, { sha256State: this.hash.save(), head: headToKeep(this.digest.head()).toString('base64') });
    this.buffer = undefined;
    this.fill = 0;
    const uploadId = await this.create();
    while (this.uploading.size >= (this.store.options.partsInFlight ?? 2)) await Promise.race(this.uploading.values());
    this.throwFailure();
    const upload = (async () => {
      try {
        const { ETag } = await this.client.send(
          new UploadPartCommand({ Bucket: this.store.bucket, Key: this.key, UploadId: uploadId, PartNumber: number, Body: body, ContentLength: body.length }),
        );
        if (!ETag) throw new Error(`part ${number} has no ETag`);
        this.partDone(number, ETag, body.length);
        this.spare.push(buffer);
      } catch (err) {
        // Surfaces on the next write or at finish; the checkpoint never counts this part.
        this.failure ??= err instanceof Error ? err : new Error(String(err));
      } finally {
        this.uploading.delete(number);
      }
    })();
    this.uploading.set(number, upload);
  }

  private partDone(number: number, etag: string, size: number): void {
    this.doneOutOfOrder.set(number, { etag, size });
    for (let next = this.doneOutOfOrder.get(this.etags.length + 1); next; next = this.doneOutOfOrder.get(this.etags.length + 1)) {
      this.doneOutOfOrder.delete(this.etags.length + 1);
      this.etags.push(next.etag);
      this.lastSize = next.size;
      // Older states are no longer needed: a checkpoint names the last whole part or the one before.
      this.stateAfter.delete(this.etags.length - 2);
    }
    void this.saveRecord();
  }

  /** The upload, created with the format from the header in the metadata. */
  private async create(): Promise<string> {
    if (this.uploadId) return this.uploadId;
    // The final size is not known yet: every check that needs it comes before the commit. A head
    // that is no WAV at all fails here, before a byte is uploaded.
    const wav = parseWavHeader(this.digest.head(), Number.MAX_SAFE_INTEGER);
    const { UploadId } = await this.client.send(
      new CreateMultipartUploadCommand({
        Bucket: this.store.bucket,
        Key: this.key,
        ContentType: 'audio/wav',
        Metadata: {
          [META.writeId]: this.writeId,
          [META.audioFormat]: String(wav.audioFormat),
          [META.channels]: String(wav.channels),
          [META.sampleRate]: String(wav.sampleRate),
          [META.bitsPerSample]: String(wav.bitsPerSample),
        },
      }),
    );
    if (!UploadId) throw new Error('CreateMultipartUpload returned no upload id');
    this.uploadId = UploadId;
    return UploadId;
  }

  /** A part upload that failed fails the next write (or the finish). */
  private throwFailure(): void {
    if (this.failure) throw this.failure;
  }

  /** Waits for every part upload to end, whatever its outcome. */
  private async settle(): Promise<void> {
    await Promise.all(this.uploading.values());
  }
}

/** The part of a file's head the header check needs: up to the data chunk's header when it is there (44 bytes, usually). */
function headToKeep(head: Buffer): Buffer {
  try {
    return head.subarray(0, parseWavHeader(head, Number.MAX_SAFE_INTEGER).dataOffset);
  } catch {
    return head;
  }
}

function isMissing(err: unknown): boolean {
  const name = (err as { name?: string } | undefined)?.name;
  const status = (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  return err instanceof NoSuchKey || err instanceof NotFound || name === 'NoSuchUpload' || name === 'NoSuchKey' || name === 'NotFound' || status === 404;
}
