import { createHash } from 'node:crypto';
import { createSHA256, type IHasher } from 'hash-wasm';
import { WAV_HEADER_SCAN_BYTES } from '../wav';

/** What a digest knows about the bytes it was fed: their count, sha256 and first bytes (for the header check). */
export interface DigestSummary {
  bytes: number;
  sha256: string;
  head: Buffer;
}

export interface Sha256 {
  update(chunk: Uint8Array): void;
  /** The digest, hex; the hash cannot be used after. */
  hex(): string;
}

/** node:crypto: several times faster than the WebAssembly one, but its state cannot be saved. */
export function nodeSha256(): Sha256 {
  const hash = createHash('sha256');
  return { update: (chunk) => void hash.update(chunk), hex: () => hash.digest('hex') };
}

/**
 * SHA-256 whose state can be saved at any point and loaded in another process (hash-wasm's), for a
 * store that cannot read back what it wrote (an unfinished multipart upload) to hash it again.
 */
export class ResumableSha256 implements Sha256 {
  private constructor(private readonly hasher: IHasher) {}

  /** A new hash, or the one `state` saved. Throws when the state is not one this build can load. */
  static async create(state?: string): Promise<ResumableSha256> {
    const hasher = await createSHA256();
    if (state === undefined) hasher.init();
    else hasher.load(Buffer.from(state, 'base64'));
    return new ResumableSha256(hasher);
  }

  update(chunk: Uint8Array): void {
    this.hasher.update(chunk);
  }

  /** The state after every byte so far, base64 (about 150 characters). */
  save(): string {
    return Buffer.from(this.hasher.save()).toString('base64');
  }

  hex(): string {
    return this.hasher.digest('hex');
  }
}

/** Counts and hashes a file's bytes in order and keeps its head, for the header check. */
export class FileDigest {
  private readonly headChunks: Buffer[];
  private headBytes: number;

  constructor(
    private readonly hash: Sha256 = nodeSha256(),
    /** Bytes absorbed, including those hashed by an earlier attempt whose state `hash` continues. */
    public bytes = 0,
    head: Buffer = Buffer.alloc(0),
  ) {
    this.headChunks = [head];
    // A head kept shorter than the bytes already hashed (trimmed to the header) is complete: what
    // comes next is not contiguous with it.
    this.headBytes = bytes > head.length ? WAV_HEADER_SCAN_BYTES : head.length;
  }

  absorb(chunk: Uint8Array): void {
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

  finish(): DigestSummary {
    return { bytes: this.bytes, sha256: this.hash.hex(), head: this.head() };
  }
}
