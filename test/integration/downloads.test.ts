import { createHash } from 'node:crypto';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { getConversion, waitForConversion } from '../../src/conversions';
import type { Scenario } from '../../src/sandbox';
import { startStack, uniqueId, type TestStack } from '../support/stack';
import { waitFor } from '../support/wait-for';

/**
 * The download activity against a misbehaving file host (the sandbox's fault knobs), into each
 * store: a local directory, and an S3 bucket on a real SeaweedFS server (global setup).
 */

describe.each(['file', 's3'] as const)('into the %s store', (storeKind) => {
  let stack: TestStack;
  beforeAll(async () => {
    // A 10 s heartbeat timeout: a cancellation reaches the activity with its next heartbeat (at most 8 s).
    stack = await startStack({}, { downloadHeartbeatTimeoutMs: 10_000 }, { store: storeKind });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function convert(scenario: Scenario, on = stack, conversionId?: string) {
    const audioId = uniqueId('dl');
    on.sandbox.setScenario(audioId, { wavSeconds: 2, ...scenario });
    const started = await on.start({ audioId, pollIntervalSeconds: 600, ...(conversionId ? { conversionId } : {}) });
    const outcome = await waitForConversion(on.client, started.conversionId).then(
      (result) => ({ result, failure: undefined }),
      (err: unknown) => {
        if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure) return { result: undefined, failure: err.cause };
        throw err;
      },
    );
    const wavTaskId = (await getConversion(on.client, started.conversionId))?.wavTaskId ?? '';
    return { ...outcome, conversionId: started.conversionId, task: on.sandbox.task(wavTaskId) };
  }

  /** The file the API serves for a conversion (following the S3 store's redirect to a presigned URL), hashed. */
  async function servedSha256(conversionId: string): Promise<string> {
    const response = await fetch(`${stack.server.url}/v1/conversions/${encodeURIComponent(conversionId)}/wav`);
    if (response.status !== 200) throw new Error(`GET wav answered ${response.status}: ${await response.text()}`);
    return createHash('sha256').update(Buffer.from(await response.arrayBuffer())).digest('hex');
  }

  // 12 MB cut at 75 %: after the first 8 MiB part of an S3 upload is complete.
  const pastFirstPart = { cutAfterFraction: 0.75, wavSeconds: 70 };

  test('a connection cut at 75 % resumes with Range: the whole file fetched about once', async () => {
    // The few KiB a dropped connection loses in buffers, and the S3 store's part in progress, stay under 10 %.
    const { result, task, conversionId } = await convert(pastFirstPart);

    expect(result?.sha256).toBe(task?.file?.sha256);
    expect(result?.attempt).toBe(2);
    expect(result?.resumedFrom).toBeGreaterThan(0);
    expect(result?.discardedBytes).toBe(0);
    expect(task?.bytesServed).toBeLessThanOrEqual(1.1 * (task?.file?.bytes ?? 0));
    expect(await servedSha256(conversionId)).toBe(task?.file?.sha256);
    expect(await stack.leftovers(conversionId)).toEqual([]);
  });

  test('a server that ignores Range gets the file again from the start', async () => {
    const { result, task } = await convert({ cutAfterFraction: 0.5, ignoreRange: true });

    expect(result?.sha256).toBe(task?.file?.sha256);
    expect(result?.resumedFrom).toBe(0);
    // The result says what was fetched twice: what the first attempt had stored, thrown away.
    expect(result?.discardedBytes).toBeGreaterThan(0);
    expect(task?.bytesServed).toBeGreaterThanOrEqual((task?.file?.bytes ?? 0) + (result?.discardedBytes ?? 0));
  });

  test('a file that changed between attempts (new ETag) is fetched anew, never mixed', async () => {
    const { result, task, conversionId } = await convert({ ...pastFirstPart, replaceFileAfterCut: true });

    // The sandbox now serves the replacement; the result is exactly that file.
    expect(result?.sha256).toBe(task?.file?.sha256);
    expect(result?.resumedFrom).toBe(0);
    expect(result?.discardedBytes).toBeGreaterThan(0);
    expect(await servedSha256(conversionId)).toBe(task?.file?.sha256);
  });

  test('a body that ends early without a Content-Length is caught by the WAV header and fetched again', async () => {
    const { result, task } = await convert({ truncateWithoutLength: true });

    expect(result?.sha256).toBe(task?.file?.sha256);
    expect(result?.attempt).toBe(2);
  });

  test('a body that is not a WAV file fails with NotAWavFile and leaves nothing behind', async () => {
    const { failure, conversionId } = await convert({ notWav: true });

    expect(failure).toMatchObject({ type: 'NotAWavFile' });
    expect(await stack.holdings(conversionId)).toEqual([]);
  });

  test('403 on the file URL is WavUrlExpired, and nothing is left behind', async () => {
    const { failure, conversionId } = await convert({ expiredUrls: 100, expiredStatus: 403 });
    expect(failure).toMatchObject({ type: 'WavUrlExpired', message: expect.stringContaining('403') as string });
    expect(await stack.holdings(conversionId)).toEqual([]);
  });

  test.each([
    ['loopback', 'http://127.0.0.1:9/secret.wav'],
    ['cloud metadata', 'http://169.254.169.254/latest/meta-data/'],
    ['a non-http scheme', 'file:///etc/passwd'],
  ])('a redirect to %s is refused with ForbiddenDownloadAddress', async (_name, target) => {
    const { failure } = await convert({ redirectTo: target });
    expect(failure).toMatchObject({ type: 'ForbiddenDownloadAddress', nonRetryable: true });
  });

  test('a cancelled download stops mid-file, within its heartbeat timeout, and leaves nothing behind', async () => {
    const audioId = uniqueId('cancel');
    // 24.7 MB at most 600 kB/s (load only slows it): past the first S3 part (the upload exists)
    // after 14 s or more, and 27 s or more from the end then, while the cancellation arrives with
    // the next heartbeat (a third of the 10 s heartbeat timeout apart). So "stopped before the end"
    // holds unless a cancel takes that long to reach the download. (A larger file would cost the
    // sandbox, which synthesizes it in this process's event loop, more than it gains.)
    stack.sandbox.setScenario(audioId, { wavSeconds: 140, throttleBytesPerSecond: 600_000 });
    const { conversionId } = await stack.start({ audioId, pollIntervalSeconds: 600 });
    // A multipart upload (S3) or a .part file: what a cancel must not leave behind.
    const underWay = (held: string[]) => held.some((k) => (storeKind === 's3' ? k.startsWith('upload ') : k.endsWith('.wav.part')));
    // Under load (the whole suite at once) the conversion takes a while to reach its download.
    await waitFor('the partial file to exist in the store', async () => (underWay(await stack.leftovers(conversionId)) ? true : undefined), 90_000);

    const handle = stack.client.workflow.getHandle(conversionId);
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();

    expect((await handle.describe()).status.name).toBe('CANCELLED');
    expect(await stack.holdings(conversionId)).toEqual([]);
    // The download stopped: it did not run to the end and then get thrown away.
    const task = stack.sandbox.task((await getConversion(stack.client, conversionId))?.wavTaskId ?? '');
    await waitFor('the file host to see the connection end', () => task?.fileRequestsOpen === 0);
    expect(task?.bytesServed).toBeLessThan(task?.file?.bytes ?? 0);
  }, 180_000);

  test('conversions a:1 and a_1 get a file each, downloaded at the same time, each served with its own sha256', async () => {
    const base = uniqueId('pair');
    // Throttled so that the two downloads overlap: a shared partial file would mix them.
    const scenario = { wavSeconds: 20, throttleBytesPerSecond: 2_000_000 };
    const [colon, underscore] = await Promise.all([convert(scenario, stack, `${base}:1`), convert(scenario, stack, `${base}_1`)]);

    expect(colon.result?.sha256).toBe(colon.task?.file?.sha256);
    expect(underscore.result?.sha256).toBe(underscore.task?.file?.sha256);
    expect(colon.result?.sha256).not.toBe(underscore.result?.sha256);
    expect(await servedSha256(colon.conversionId)).toBe(colon.task?.file?.sha256);
    expect(await servedSha256(underscore.conversionId)).toBe(underscore.task?.file?.sha256);
  });

  describe('bounds', () => {
    let small: TestStack;
    beforeAll(async () => {
      small = await startStack({}, {}, { maxBytes: 1000, store: storeKind });
    });
    afterAll(async () => {
      await small?.stop();
    });

    test('a file larger than the maximum ends with DownloadTooLarge', async () => {
      const { failure, conversionId } = await convert({}, small);
      expect(failure).toMatchObject({ type: 'DownloadTooLarge', nonRetryable: true });
      expect(await small.holdings(conversionId)).toEqual([]);
    });

    test('a file that grows past the maximum without announcing its size ends with DownloadTooLarge', async () => {
      const { failure, conversionId } = await convert({ truncateWithoutLength: true, cutAfterFraction: 0.9 }, small);
      expect(failure).toMatchObject({ type: 'DownloadTooLarge', nonRetryable: true });
      expect(await small.holdings(conversionId)).toEqual([]);
    });
  });
});

// Free space is known only where files are written to a local disk.
describe('into the file store, with too little free disk', () => {
  let fullDisk: TestStack;
  beforeAll(async () => {
    fullDisk = await startStack({}, {}, { minFreeBytes: Number.MAX_SAFE_INTEGER });
  });
  afterAll(async () => {
    await fullDisk?.stop();
  });

  test('InsufficientStorage: retried later, the conversion is not lost', async () => {
    const audioId = uniqueId('disk');
    fullDisk.sandbox.setScenario(audioId, {});
    const { conversionId } = await fullDisk.start({ audioId, pollIntervalSeconds: 600 });
    const handle = fullDisk.client.workflow.getHandle(conversionId);

    const lastFailure = await waitFor('a failed download attempt', async () => {
      const pending = (await handle.describe()).raw.pendingActivities?.[0];
      return pending?.lastFailure?.applicationFailureInfo?.type ? pending : undefined;
    });

    expect(lastFailure.lastFailure?.applicationFailureInfo?.type).toBe('InsufficientStorage');
    expect(lastFailure.lastFailure?.applicationFailureInfo?.nonRetryable).toBeFalsy();
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await handle.cancel();
  });
});
