import { S3Client } from '@aws-sdk/client-s3';

export interface S3ClientOptions {
  /** A store other than AWS (R2, MinIO, Ceph, SeaweedFS). */
  endpoint?: string | undefined;
  region?: string | undefined;
  /** `<endpoint>/<bucket>/<key>` instead of `<bucket>.<endpoint>/<key>`; default: with an endpoint. */
  forcePathStyle?: boolean | undefined;
  /** Default: the AWS default credential chain (environment, profile, web identity, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
}

export function createS3Client({ endpoint, region, forcePathStyle, credentials }: S3ClientOptions): S3Client {
  return new S3Client({
    ...(endpoint ? { endpoint } : {}),
    // Outside AWS the region is only a signing parameter; most stores accept us-east-1.
    ...(region || endpoint ? { region: region ?? 'us-east-1' } : {}),
    forcePathStyle: forcePathStyle ?? endpoint !== undefined,
    ...(credentials ? { credentials } : {}),
    // Checksums only where S3 requires them: the SDK's newer default (a CRC on every request) is
    // refused by several S3-compatible stores, and the download's sha256 covers the whole file.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
