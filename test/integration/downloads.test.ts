import { readdir } from 'node:fs/promises';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { getConversion, waitForConversion } from '../../src/client';
import type { Scenario } from '../../src/sandbox';
import { startStack, uniqueId, type TestStack } from '../support/stack';
import { waitFor } from '../support/wait-for';

/** The download activity against a misbehaving file host (the sandbox's fault knobs). */

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

async function convert(scenario: Scenario, on = stack) {
  const audioId = uniqueId('dl');
  on.sandbox.setScenario(audioId, { wavSeconds: 2, ...scenario });
  const { conversionId } = await on.start({ audioId, pollIntervalSeconds: 600 });
  const outcome = await waitForConversion(on.client, conversionId).then(
    (result) => ({ result, failure: undefined }),
    (err: unknown) => {
      if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure) return { result: undefined, failure: err.cause };
      throw err;
    },
  );
  const wavTaskId = (await getConversion(on.client, conversionId))?.wavTaskId ?? '';
  return { ...outcome, conversionId, task: on.sandbox.task(wavTaskId) };
}

const leftovers = async (on: TestStack, conversionId: string) => (await readdir(on.outputDir)).filter((f) => f.startsWith(conversionId));

test('a connection cut at 50 % resumes with Range: the whole file fetched about once', async () => {
  // Long enough that the few KiB a dropped connection loses in buffers stay well under 10 %.
  const { result, task } = await convert({ cutAfterFraction: 0.5, wavSeconds: 10 });

  expect(result?.sha256).toBe(task?.file?.sha256);
  expect(result?.attempt).toBe(2);
  expect(result?.resumedFrom).toBeGreaterThan(0);
  expect(task?.bytesServed).toBeLessThanOrEqual(1.1 * (task?.file?.bytes ?? 0));
});

test('a server that ignores Range gets the file again from the start', async () => {
  const { result, task } = await convert({ cutAfterFraction: 0.5, ignoreRange: true });

  expect(result?.sha256).toBe(task?.file?.sha256);
  expect(result?.resumedFrom).toBe(0);
  expect(task?.bytesServed).toBeGreaterThan(task?.file?.bytes ?? 0);
});

test('a file that changed between attempts (new ETag) is fetched anew, never mixed', async () => {
  const { result, task } = await convert({ cutAfterFraction: 0.5, replaceFileAfterCut: true });

  // The sandbox now serves the replacement; the result is exactly that file.
  expect(result?.sha256).toBe(task?.file?.sha256);
  expect(result?.resumedFrom).toBe(0);
});

test('a body that ends early without a Content-Length is caught by the WAV header and fetched again', async () => {
  const { result, task } = await convert({ truncateWithoutLength: true });

  expect(result?.sha256).toBe(task?.file?.sha256);
  expect(result?.attempt).toBe(2);
});

test('a body that is not a WAV file fails with NotAWavFile and leaves nothing behind', async () => {
  const { failure, conversionId } = await convert({ notWav: true });

  expect(failure).toMatchObject({ type: 'NotAWavFile' });
  expect(await leftovers(stack, conversionId)).toEqual([]);
});

test('403 on the file URL is WavUrlExpired', async () => {
  const { failure } = await convert({ expiredUrls: 100, expiredStatus: 403 });
  expect(failure).toMatchObject({ type: 'WavUrlExpired', message: expect.stringContaining('403') as string });
});

test.each([
  ['loopback', 'http://127.0.0.1:9/secret.wav'],
  ['cloud metadata', 'http://169.254.169.254/latest/meta-data/'],
  ['a non-http scheme', 'file:///etc/passwd'],
])('a redirect to %s is refused with ForbiddenDownloadAddress', async (_name, target) => {
  const { failure } = await convert({ redirectTo: target });
  expect(failure).toMatchObject({ type: 'ForbiddenDownloadAddress', nonRetryable: true });
});

describe('bounds', () => {
  let small: TestStack;
  let fullDisk: TestStack;
  beforeAll(async () => {
    [small, fullDisk] = await Promise.all([startStack({}, {}, { maxBytes: 1000 }), startStack({}, {}, { minFreeBytes: Number.MAX_SAFE_INTEGER })]);
  });
  afterAll(async () => {
    await Promise.all([small?.stop(), fullDisk?.stop()]);
  });

  test('a file larger than the maximum ends with DownloadTooLarge', async () => {
    const { failure, conversionId } = await convert({}, small);
    expect(failure).toMatchObject({ type: 'DownloadTooLarge', nonRetryable: true });
    expect(await leftovers(small, conversionId)).toEqual([]);
  });

  test('too little free disk is InsufficientStorage: retried later, the conversion is not lost', async () => {
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
