import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { ActivityCancellationDetails, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { DownloadInput, DownloadResult } from '../../src/activities';
import { createDiscardPartialWav } from '../../src/activities/download';
import { FileStore, objectName, S3Store, type PartialWrite, type WavStore } from '../../src/download';
import { ProviderApi } from '../../src/provider';
import { startSandbox, type Sandbox, type Scenario } from '../../src/sandbox';
import { objectsUnder, testS3Store, uploadsUnder } from '../support/s3';
import { sandboxDownloadWav } from '../support/sandbox-download';
import { waitFor } from '../support/wait-for';

/**
 * What a download keeps between attempts and between runs, without Temporal in the way: the
 * activity in the SDK's activity environment, against the sandbox's real file host, into each
 * store. A retry resumes from the store alone (no heartbeat reached Temporal); a download stopped
 * for a continue-as-new keeps its partial file and hands its checkpoint on; a cancelled
 * conversion's partial file is removed by discardPartialWav; heartbeats are a third of the
 * heartbeat timeout apart.
 */
jest.setTimeout(240_000);

let sandbox: Sandbox;
let dir: string;
beforeAll(async () => {
  sandbox = await startSandbox({ apiKey: 'k', variant: 'sunoapi', conversionDelayMs: 0, wavSeconds: 1, timeScale: 0.001, publicHost: 'localhost' });
  dir = await mkdtemp(join(tmpdir(), 'wavflow-resume-'));
});
afterAll(async () => {
  await sandbox?.close();
  await rm(dir, { recursive: true, force: true });
});

const MiB = 1024 ** 2;
/** 12.3 MB: past the first 8 MiB part of an S3 upload well before the end. */
const TWELVE_MB = { wavSeconds: 70 };

describe.each(['file', 's3'] as const)('into the %s store', (storeKind) => {
  let store: WavStore;
  beforeAll(() => {
    store = storeKind === 's3' ? testS3Store() : new FileStore(dir);
  });

  const downloadWav = (into: WavStore = store) => sandboxDownloadWav(into, sandbox);

  /** A finished provider task for a fresh track with `scenario`, and its file URL. */
  async function fileFor(label: string, scenario: Scenario) {
    const conversionId = `${storeKind}-${label}-${Date.now().toString(36)}`;
    sandbox.setScenario(conversionId, scenario);
    // The sandbox shares this process and synthesizes each file in its event loop: under load a
    // call can wait or fail, and is asked again (the same track's submit adopts its task, 409).
    const provider = new ProviderApi({ baseUrl: sandbox.url, apiKey: 'k', variant: 'sunoapi', timeoutMs: 30_000 });
    const { taskId } = await waitFor('the task', () => provider.submit({ audioId: conversionId, callBackUrl: 'http://127.0.0.1:9/never' }), 90_000, 500);
    const url = await waitFor('the file', async () => (await provider.recordInfo(taskId)).audioWavUrl, 90_000, 200);
    const task = () => sandbox.task(taskId)!;
    return { conversionId, url, task };
  }

  /** What the store holds for a conversion besides a committed file: partial file, record, uploads, tail. */
  async function kept(conversionId: string): Promise<string[]> {
    const name = objectName(conversionId);
    if (store instanceof S3Store) {
      const key = store.key(name);
      const [objects, uploads] = await Promise.all([objectsUnder(store), uploadsUnder(store)]);
      return [...objects.filter((k) => k.startsWith(`${key}.part`)), ...uploads.filter((k) => k === key).map((k) => `upload ${k}`)];
    }
    const file = store as FileStore;
    const found = await Promise.all([file.part(name), file.record(name)].map((path) => stat(path).then(() => path, () => undefined)));
    return found.filter((path): path is string => path !== undefined);
  }

  /** Bytes the store holds for sure now: the `.part` file's size, or the parts its record names. */
  async function durable(conversionId: string): Promise<number> {
    const name = objectName(conversionId);
    if (store instanceof FileStore) return (await stat(store.part(name)).catch(() => undefined))?.size ?? 0;
    return (await store.resumeRecord(name))?.kept ?? 0;
  }

  test('a retry whose attempt left no heartbeat details resumes from what the store keeps beside the partial file', async () => {
    const { conversionId, url, task } = await fileFor('record', { ...TWELVE_MB, cutAfterFraction: 0.75 });
    const download = downloadWav();

    // The first attempt is cut off at 75 %; none of its heartbeats reached Temporal.
    const first = new MockActivityEnvironment({ attempt: 1 });
    await expect(first.run(download, { conversionId, url })).rejects.toMatchObject({ type: 'DownloadFailed' });
    const retry = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: undefined });
    const result: DownloadResult = await retry.run(download, { conversionId, url });

    expect(result.sha256).toBe(task().file?.sha256);
    expect(result.resumedFrom).toBeGreaterThan(0);
    expect(task().bytesServed).toBeLessThanOrEqual(1.1 * (task().file?.bytes ?? 0));
    expect(await kept(conversionId)).toEqual([]);
  });

  test('a retry after an attempt that stored the whole file but died before its commit fetches nothing more and commits it', async () => {
    const { conversionId, url, task } = await fileFor('whole', TWELVE_MB);
    // The first attempt's commit never happens, as when its worker is killed right before it.
    const diesBeforeCommit: WavStore = new Proxy(store, {
      get: (target, key) =>
        key === 'resume'
          ? async (...args: Parameters<WavStore['resume']>) => {
              const partial = await target.resume(...args);
              return new Proxy(partial, {
                get: (inner, name) => (name === 'commit' ? () => Promise.reject(new Error('worker killed')) : bound(inner, name as keyof PartialWrite)),
              });
            }
          : bound(target, key as keyof WavStore),
    });
    await expect(new MockActivityEnvironment({ attempt: 1 }).run(downloadWav(diesBeforeCommit), { conversionId, url })).rejects.toMatchObject({ type: 'DownloadFailed' });
    const fileBytes = task().file?.bytes ?? 0;
    expect(task().bytesServed).toBe(fileBytes);

    const result: DownloadResult = await new MockActivityEnvironment({ attempt: 2, heartbeatDetails: undefined }).run(downloadWav(), { conversionId, url });

    expect(result.sha256).toBe(task().file?.sha256);
    // A directory holds every byte; a bucket holds the whole 8 MiB parts (the last one went unsent).
    expect(result.resumedFrom).toBe(storeKind === 'file' ? fileBytes : Math.floor(fileBytes / (8 * MiB)) * 8 * MiB);
    // The retry asked the file host only for what the store did not hold: nothing, in a directory.
    expect(task().bytesServed).toBe(fileBytes + (fileBytes - result.resumedFrom));
    expect(await kept(conversionId)).toEqual([]);
  });

  test('a download stopped for the next run keeps its partial file and ends with its checkpoint; the next run resumes from that alone', async () => {
    // 2 MB/s: still running when it is stopped.
    const { conversionId, url, task } = await fileFor('handoff', { ...TWELVE_MB, throttleBytesPerSecond: 2_000_000 });
    const download = downloadWav();
    const input: DownloadInput = { conversionId, url, keepPartialOnCancel: true };

    const stopped = new MockActivityEnvironment({ attempt: 1 });
    const running = stopped.run(download, input);
    // Past the first S3 part: the store holds bytes for sure.
    await waitFor('durable progress', async () => (await durable(conversionId)) >= 8 * MiB, 60_000);
    stopped.cancel('CANCELLED', new ActivityCancellationDetails({ cancelRequested: true }));
    const cancellation = await running.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(cancellation).toBeInstanceOf(CancelledFailure);
    const checkpoint = (cancellation as CancelledFailure).details[0] as { bytes: number; kept: number; etag?: string };
    expect(checkpoint.kept).toBeGreaterThanOrEqual(8 * MiB);
    expect(checkpoint.etag).toBeDefined();
    expect(await kept(conversionId)).not.toEqual([]);

    // The next run's first attempt: no heartbeat, no record (removed here): only the carried checkpoint.
    await removeRecord(conversionId);
    const nextRun = new MockActivityEnvironment({ attempt: 1 });
    const result: DownloadResult = await nextRun.run(download, { ...input, resume: checkpoint });

    expect(result.sha256).toBe(task().file?.sha256);
    expect(result.resumedFrom).toBeGreaterThanOrEqual(checkpoint.kept);
    expect(task().bytesServed).toBeLessThanOrEqual(1.1 * (task().file?.bytes ?? 0));
    expect(await kept(conversionId)).toEqual([]);
  });

  test('a cancelled conversion: the download keeps its partial file, discardPartialWav removes all of it', async () => {
    const { conversionId, url } = await fileFor('discard', { ...TWELVE_MB, throttleBytesPerSecond: 2_000_000 });
    const download = downloadWav();
    const cancelledRun = new MockActivityEnvironment({ attempt: 1 });
    const running = cancelledRun.run(download, { conversionId, url, keepPartialOnCancel: true });
    await waitFor('durable progress', async () => (await durable(conversionId)) >= 8 * MiB, 60_000);
    cancelledRun.cancel('CANCELLED', new ActivityCancellationDetails({ cancelRequested: true }));
    await expect(running).rejects.toBeInstanceOf(CancelledFailure);
    expect(await kept(conversionId)).not.toEqual([]);

    await new MockActivityEnvironment().run(createDiscardPartialWav(store), { conversionId });

    expect(await kept(conversionId)).toEqual([]);
  });

  test('without keepPartialOnCancel (runs started on 0.1 and 0.2), a requested cancellation removes the partial file itself', async () => {
    const { conversionId, url } = await fileFor('old-cancel', { ...TWELVE_MB, throttleBytesPerSecond: 2_000_000 });
    const running = new MockActivityEnvironment({ attempt: 1 });
    const download = running.run(downloadWav(), { conversionId, url });
    await waitFor('durable progress', async () => (await durable(conversionId)) >= 8 * MiB, 60_000);
    running.cancel('CANCELLED', new ActivityCancellationDetails({ cancelRequested: true }));
    await expect(download).rejects.toBeInstanceOf(CancelledFailure);

    expect(await kept(conversionId)).toEqual([]);
  });

  async function removeRecord(conversionId: string) {
    const name = objectName(conversionId);
    if (store instanceof S3Store) await store.client.send(new DeleteObjectCommand({ Bucket: store.bucket, Key: store.resumeKey(name) }));
    else await rm((store as FileStore).record(name));
  }
});

describe('heartbeats', () => {
  const downloadWav = () => sandboxDownloadWav(new FileStore(dir), sandbox);
  async function fileFor(label: string, scenario: Scenario) {
    const conversionId = `beats-${label}-${Date.now().toString(36)}`;
    sandbox.setScenario(conversionId, scenario);
    const provider = new ProviderApi({ baseUrl: sandbox.url, apiKey: 'k', variant: 'sunoapi', timeoutMs: 5_000 });
    const { taskId } = await provider.submit({ audioId: conversionId, callBackUrl: 'http://127.0.0.1:9/never' });
    return { conversionId, url: await waitFor('the file', async () => (await provider.recordInfo(taskId)).audioWavUrl) };
  }

  test('a download shorter than a third of its heartbeat timeout sends no heartbeat at all (each one is a billable action)', async () => {
    const { conversionId, url } = await fileFor('short', { wavSeconds: 1 });
    const env = new MockActivityEnvironment({ attempt: 1, heartbeatTimeoutMs: 30_000 });
    const heartbeats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => heartbeats.push(details));

    await env.run(downloadWav(), { conversionId, url });

    expect(heartbeats).toEqual([]);
  });

  test('a longer one heartbeats a third of its heartbeat timeout apart, with its progress', async () => {
    // 2.5 MB at 500 kB/s: about 5 s, with a heartbeat every 1.5 s.
    const { conversionId, url } = await fileFor('long', { wavSeconds: 14, throttleBytesPerSecond: 500_000 });
    const env = new MockActivityEnvironment({ attempt: 1, heartbeatTimeoutMs: 4_500 });
    const heartbeats: Array<{ bytes: number; total?: number; committed?: unknown }> = [];
    env.on('heartbeat', (details: { bytes: number; total?: number }) => heartbeats.push(details));
    const started = Date.now();

    await env.run(downloadWav(), { conversionId, url });

    const seconds = (Date.now() - started) / 1000;
    const progress = heartbeats.filter((h) => !h.committed);
    // At most one per 1.5 s of download (a second apart, it was one per second plus one at the start).
    expect(progress.length).toBeLessThanOrEqual(Math.floor(seconds / 1.5));
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress[0]).toMatchObject({ bytes: expect.any(Number) as number, total: expect.any(Number) as number });
    expect(progress.map((h) => h.bytes)).toEqual([...progress.map((h) => h.bytes)].sort((a, b) => a - b));
  });
});

/** `target[key]`, with a method bound to `target` (the proxies above pass every call through). */
function bound<T extends object>(target: T, key: keyof T): unknown {
  const value = target[key];
  return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
}
