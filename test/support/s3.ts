import { randomUUID } from 'node:crypto';
import { ListMultipartUploadsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client, S3Store } from '../../src/download';

/** The shared SeaweedFS server of the integration run (global setup), seen from a test. */
export function testS3(): { endpoint: string; bucket: string; client: S3Client; credentials: { accessKeyId: string; secretAccessKey: string } } {
  const endpoint = process.env.WAVFLOW_TEST_S3_ENDPOINT;
  const bucket = process.env.WAVFLOW_TEST_S3_BUCKET;
  const accessKeyId = process.env.WAVFLOW_TEST_S3_ACCESS_KEY;
  const secretAccessKey = process.env.WAVFLOW_TEST_S3_SECRET_KEY;
  if (!endpoint || !bucket || !accessKeyId || !secretAccessKey) throw new Error('S3 tests need the global setup (run them through jest)');
  const credentials = { accessKeyId, secretAccessKey };
  return { endpoint, bucket, credentials, client: createS3Client({ endpoint, credentials }) };
}

/** An S3 store under a prefix of its own in the shared test bucket. */
export function testS3Store(prefix = `t-${randomUUID().slice(0, 8)}/`): S3Store {
  const { bucket, client } = testS3();
  return new S3Store({ client, bucket, prefix, partBytes: 8 * 1024 ** 2, urlTtlSeconds: 60 });
}

/** What wavflow processes need in their environment to use `store` (WAV_STORE and the AWS settings). */
export function s3Environment(store: S3Store): Record<string, string> {
  const { endpoint, credentials } = testS3();
  return {
    WAV_STORE: `s3://${store.bucket}/${store.options.prefix}`,
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  };
}

/** Keys of the objects under `prefix`. */
export async function objectsUnder(store: S3Store, prefix = store.options.prefix): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await store.client.send(new ListObjectsV2Command({ Bucket: store.bucket, Prefix: prefix, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

/** Keys with a multipart upload in progress under `prefix` (one entry per upload). */
export async function uploadsUnder(store: S3Store, prefix = store.options.prefix): Promise<string[]> {
  const keys: string[] = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    const page = await store.client.send(new ListMultipartUploadsCommand({ Bucket: store.bucket, Prefix: prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }));
    keys.push(...(page.Uploads ?? []).map((u) => u.Key ?? ''));
    if (!page.IsTruncated) return keys;
    keyMarker = page.NextKeyMarker;
    uploadIdMarker = page.NextUploadIdMarker;
  }
}
