export { assertAllowedAddress, ForbiddenAddressError, isAllowedTarget, isInternalAddress, type AddressPolicy } from './address-policy';
export { NotHttpResponseError, safeGet, type SafeGetOptions, type SafeGetResponse } from './http-get';
export { FileDigest, nodeSha256, ResumableSha256, type DigestSummary, type Sha256 } from './digest';
export { FileStore } from './file-store';
export { objectName } from './object-name';
export { createS3Client, type S3ClientOptions } from './s3-client';
export { S3Store, type S3StoreOptions } from './s3-store';
export { parseStoreUrl, type StoreSpec } from './store-url';
export type { CommittedFile, PartialWrite, ResumeRecord, VerifiedWav, WavAccess, WavStore } from './store';
