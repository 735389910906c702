import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createS3Client, objectName } from '../../src/download';
import { obtainSeaweedFs, startSeaweedFs } from '../../src/local-servers';

/**
 * Where a chaos run's workers put the files (CHAOS_STORE): a local directory, or a bucket on a
 * SeaweedFS server the run starts. The checks read the files from there and count what was left.
 */
export interface ChaosStore {
  kind: 'file' | 's3';
  /** WAV_STORE and, for S3, the AWS settings: what every wavflow process gets. */
  env: Record<string, string>;
  /** The sha256 of a conversion's committed file, undefined when there is none. */
  sha256Of(conversionId: string): Promise<string | undefined>;
  /** `.part` files left in the directory (file store). */
  partFiles(): Promise<string[]>;
  /** Multipart uploads left in the bucket (S3 store): each was begun and never completed nor aborted. */
  orphanedUploads(): Promise<string[]>;
  /**
   * What a resume may fetch again and still count as one: nothing for a directory; for a bucket one
   * part, since after a SIGKILL the S3 store resumes at its last whole part (a cut resumes exactly).
   */
  resumeSlackBytes: number;
  stop(): Promise<void>;
}

export async function openChaosStore(kind: 'file' | 's3', workDir: string, projectDir: string, log: (message: string) => void): Promise<ChaosStore> {
  if (kind === 'file') {
    const dir = join(workDir, 'wav');
    await mkdir(dir);
    return {
      kind,
      env: { WAV_STORE: `file://${dir}` },
      sha256Of: (conversionId) => hashStream(() => createReadStream(join(dir, `${objectName(conversionId)}.wav`))),
      partFiles: async () => (await readdir(dir).catch(() => [] as string[])).filter((name) => name.endsWith('.part')),
      orphanedUploads: () => Promise.resolve([]),
      resumeSlackBytes: 0,
      stop: () => Promise.resolve(),
    };
  }
  const binPath = await obtainSeaweedFs({ projectDir, explicitPath: process.env.SEAWEEDFS_PATH, log });
  const seaweed = await startSeaweedFs({ binPath, logFile: join(workDir, 'seaweedfs.log'), log });
  const bucket = 'chaos';
  const prefix = 'wav/';
  const client = createS3Client({ endpoint: seaweed.endpoint, credentials: seaweed.credentials });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  log(`SeaweedFS S3 on ${seaweed.endpoint}, bucket ${bucket}`);
  const listObjects = async () => {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
      token = page.NextContinuationToken;
    } while (token);
    return keys;
  };
  return {
    kind,
    env: {
      WAV_STORE: `s3://${bucket}/${prefix}`,
      AWS_ENDPOINT_URL: seaweed.endpoint,
      AWS_REGION: seaweed.region,
      AWS_ACCESS_KEY_ID: seaweed.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: seaweed.credentials.secretAccessKey,
    },
    sha256Of: async (conversionId) => {
      const key = `${prefix}${objectName(conversionId)}.wav`;
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
      return object ? hashStream(() => object.Body as AsyncIterable<Uint8Array>) : undefined;
    },
    // The bytes an interrupted attempt kept past its last whole part (`<name>.wav.part`).
    partFiles: async () => (await listObjects()).filter((key) => key.endsWith('.wav.part')),
    orphanedUploads: async () => {
      const keys: string[] = [];
      let keyMarker: string | undefined;
      let uploadIdMarker: string | undefined;
      for (;;) {
        const page = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }));
        keys.push(...(page.Uploads ?? []).map((u) => u.Key ?? ''));
        if (!page.IsTruncated) return keys;
        keyMarker = page.NextKeyMarker;
        uploadIdMarker = page.NextUploadIdMarker;
      }
    },
    resumeSlackBytes: 8 * 1024 ** 2,
    stop: () => seaweed.stop(),
  };
}

async function hashStream(open: () => AsyncIterable<Uint8Array>): Promise<string | undefined> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of open()) hash.update(chunk);
  } catch {
    return undefined;
  }
  return hash.digest('hex');
}
