import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createDownloadWav } from '../../src/activities/download';
import { LocalDirectoryStore } from '../../src/download';
import { ProviderClient } from '../../src/provider';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import type { DownloadResult } from '../../src/workflows';
import { waitFor } from '../support/wait-for';

/**
 * An attempt that committed the file and died before reporting it: the retry finds the file by its
 * last heartbeat (size and hash) and returns it without fetching a byte. The activity runs in the
 * SDK's activity environment, against the sandbox's real file host.
 */
let sandbox: Sandbox;
let dir: string;
beforeAll(async () => {
  sandbox = await startSandbox({ apiKey: 'k', variant: 'sunoapi', conversionDelayMs: 0, wavSeconds: 1, timeScale: 0.001, publicHost: 'localhost' });
  dir = await mkdtemp(join(tmpdir(), 'wavflow-committed-'));
});
afterAll(async () => {
  await sandbox?.close();
  await rm(dir, { recursive: true, force: true });
});

test('a retry returns the file an earlier attempt committed, without downloading again', async () => {
  const provider = new ProviderClient({ baseUrl: sandbox.url, apiKey: 'k', variant: 'sunoapi', timeoutMs: 5_000 });
  const { taskId } = await provider.submit({ audioId: 'committed', callBackUrl: 'http://127.0.0.1:9/never' });
  const url = await waitFor('the file', async () => (await provider.recordInfo(taskId)).audioWavUrl);
  const downloadWav = createDownloadWav({
    store: new LocalDirectoryStore(dir),
    addressPolicy: { allowPrivate: false, allowedHosts: ['localhost'] },
    maxBytes: 1024 ** 3,
    minFreeBytes: 0,
    connectTimeoutMs: 5_000,
    idleTimeoutMs: 5_000,
  });

  const first = new MockActivityEnvironment({ attempt: 1 });
  const heartbeats: unknown[] = [];
  first.on('heartbeat', (details: unknown) => heartbeats.push(details));
  const done: DownloadResult = await first.run(downloadWav, { conversionId: 'committed', url });
  const requests = sandbox.task(taskId)?.fileRequests;

  const retry = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: heartbeats.at(-1) });
  const again = await retry.run(downloadWav, { conversionId: 'committed', url });

  expect(heartbeats.at(-1)).toMatchObject({ committed: { bytes: done.bytes, sha256: done.sha256 } });
  expect(again).toMatchObject({ path: done.path, bytes: done.bytes, sha256: done.sha256, attempt: 2 });
  expect(sandbox.task(taskId)?.fileRequests).toBe(requests);
  expect(done.sha256).toBe(sandbox.task(taskId)?.file?.sha256);
});

test('a retry whose last heartbeat predates the commit still finds the committed file', async () => {
  // Heartbeats are throttled: a worker that dies right after the commit may have sent only the
  // one with the size and validator, which the server then hands to the retry.
  const provider = new ProviderClient({ baseUrl: sandbox.url, apiKey: 'k', variant: 'sunoapi', timeoutMs: 5_000 });
  const { taskId } = await provider.submit({ audioId: 'committed-unreported', callBackUrl: 'http://127.0.0.1:9/never' });
  const url = await waitFor('the file', async () => (await provider.recordInfo(taskId)).audioWavUrl);
  const downloadWav = createDownloadWav({
    store: new LocalDirectoryStore(dir),
    addressPolicy: { allowPrivate: false, allowedHosts: ['localhost'] },
    maxBytes: 1024 ** 3,
    minFreeBytes: 0,
    connectTimeoutMs: 5_000,
    idleTimeoutMs: 5_000,
  });

  const first = new MockActivityEnvironment({ attempt: 1 });
  const heartbeats: unknown[] = [];
  first.on('heartbeat', (details: unknown) => heartbeats.push(details));
  const done: DownloadResult = await first.run(downloadWav, { conversionId: 'committed-unreported', url });
  const requests = sandbox.task(taskId)?.fileRequests;
  const beforeCommit = heartbeats.find((h) => !(h as { committed?: unknown }).committed);

  const retry = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: beforeCommit });
  const again = await retry.run(downloadWav, { conversionId: 'committed-unreported', url });

  expect(beforeCommit).toMatchObject({ bytes: 0, total: done.bytes });
  expect(again).toMatchObject({ path: done.path, bytes: done.bytes, sha256: done.sha256, attempt: 2 });
  expect(sandbox.task(taskId)?.fileRequests).toBe(requests);
});
