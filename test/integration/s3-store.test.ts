import { createHash } from 'node:crypto';
import { CreateMultipartUploadCommand, HeadObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { parseWavHeader, synthesizeWav } from '../../src/wav';
import { objectsUnder, testS3Store, uploadsUnder } from '../support/s3';

/**
 * The S3 store against a real SeaweedFS server: what a retry does with the uploads it finds, and
 * what a committed object carries.
 */
const MiB = 1024 ** 2;
const wav = synthesizeWav({ seconds: 60, frequencyHz: 330 }); // 10.6 MB: two parts
const sha256 = createHash('sha256').update(wav).digest('hex');

async function writeAll(write: { offset: number; write(chunk: Buffer): Promise<void> }, upTo = wav.length) {
  for (let at = write.offset; at < upTo; at += 64 * 1024) await write.write(wav.subarray(at, Math.min(at + 64 * 1024, upTo)));
}

test('uploads of the key that the heartbeat does not name are aborted; the one it names is continued', async () => {
  const store = testS3Store();
  const key = store.key('track');
  // A stale upload (an attempt that died before its first heartbeat), holding one part.
  const { UploadId } = await store.client.send(new CreateMultipartUploadCommand({ Bucket: store.bucket, Key: key }));
  await store.client.send(new UploadPartCommand({ Bucket: store.bucket, Key: key, UploadId, PartNumber: 1, Body: Buffer.alloc(8 * MiB) }));
  const first = await store.resume('track', undefined);
  expect(await uploadsUnder(store)).toEqual([]);

  await writeAll(first, 9 * MiB);
  await first.close();
  const checkpoint = first.checkpoint();
  const second = await store.resume('track', checkpoint);
  // Part 1 in the upload, the next MiB in the tail object.
  expect(second.offset).toBe(9 * MiB);
  expect(await uploadsUnder(store)).toEqual([key]);

  await writeAll(second);
  const file = await second.finish();
  expect(file).toMatchObject({ bytes: wav.length, sha256 });
  await second.commit({ bytes: file.bytes, sha256: file.sha256, wav: parseWavHeader(file.head, file.bytes) });

  expect(await uploadsUnder(store)).toEqual([]);
  expect((await objectsUnder(store)).sort()).toEqual([key, store.recordKey('track')].sort());
  const head = await store.client.send(new HeadObjectCommand({ Bucket: store.bucket, Key: key }));
  expect(head.Metadata).toMatchObject({ 'wav-audio-format': '1', 'wav-channels': '2', 'wav-sample-rate': '44100', 'wav-bits-per-sample': '16' });
  expect(await (await store.committed('track'))?.digest()).toMatchObject({ bytes: wav.length, sha256 });
});

test('a checkpoint whose parts the upload no longer holds starts over, and a discarded write leaves nothing', async () => {
  const store = testS3Store();
  const first = await store.resume('gone', undefined);
  await writeAll(first, 9 * MiB);
  await first.close();
  const checkpoint = first.checkpoint() as { etags: string[] };
  // Another attempt overwrote part 1 since: the ETag the checkpoint kept no longer matches.
  const changed = { ...checkpoint, etags: ['"not-the-etag"'] };

  const again = await store.resume('gone', changed);
  expect(again.offset).toBe(0);
  expect(await uploadsUnder(store)).toEqual([]);
  await writeAll(again, 9 * MiB);
  await again.discard();
  expect(await uploadsUnder(store)).toEqual([]);
  expect(await objectsUnder(store)).toEqual([]);
});

test('an attempt that ends without dying keeps the bytes past its last whole part: the next one continues exactly there', async () => {
  const store = testS3Store();
  const first = await store.resume('short', undefined);
  // Less than one part: S3 cannot hold it as a part of its own, so it is kept as `<name>.wav.part`.
  await writeAll(first, 3 * MiB + 123);
  await first.close();
  expect(await objectsUnder(store)).toEqual([store.tailKey('short')]);

  const second = await store.resume('short', first.checkpoint());
  expect(second.offset).toBe(3 * MiB + 123);
  expect(await objectsUnder(store)).toEqual([]);
  await writeAll(second);
  const file = await second.finish();
  expect(file).toMatchObject({ bytes: wav.length, sha256 });
  await second.commit({ bytes: file.bytes, sha256: file.sha256, wav: parseWavHeader(file.head, file.bytes) });
  expect((await objectsUnder(store)).sort()).toEqual([store.key('short'), store.recordKey('short')].sort());
  expect(await uploadsUnder(store)).toEqual([]);
});
