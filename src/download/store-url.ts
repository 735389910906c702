/** Where WAV files go, as WAV_STORE names it. */
export type StoreSpec = { kind: 'file'; dir: string } | { kind: 's3'; bucket: string; prefix: string };

/**
 * `file://<dir>` (a relative dir is under the project, as `file://.data/wav`; `file:///srv/wav` is
 * absolute) or `s3://<bucket>[/<prefix>]`. Throws a message naming what is wrong.
 */
export function parseStoreUrl(value: string): StoreSpec {
  const file = /^file:\/\/(.+)$/.exec(value);
  if (file) return { kind: 'file', dir: file[1]! };
  const s3 = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(value);
  if (s3) {
    const bucket = s3[1]!;
    // S3's own rules for bucket names (lowercase, digits, dots, hyphens; 3 to 63 characters).
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new Error(`"${bucket}" is not a valid bucket name`);
    const prefix = (s3[2] ?? '').replace(/^\/+|\/+$/g, '');
    return { kind: 's3', bucket, prefix: prefix ? `${prefix}/` : '' };
  }
  throw new Error('must be file://<directory> or s3://<bucket>[/<prefix>]');
}
