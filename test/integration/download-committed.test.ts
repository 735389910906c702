import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { FileStore, type WavStore } from '../../src/download';
import { ProviderApi } from '../../src/provider';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import type { DownloadResult } from '../../src/activities';
import { testS3Store } from '../support/s3';
import { sandboxDownloadWav } from '../support/sandbox-download';
import { waitFor } from '../support/wait-for';

/**
 * An attempt that committed the file and died before reporting it: the retry finds the file by its
 * last heartbeat (size and hash) and returns it without fetching a byte. The activity runs in the
 * SDK's activity environment, against the sandbox's real file host, into each store.
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

describe.each(['file', 's3'] as const)('into the %s store', (storeKind) => {
  let store: WavStore;
  beforeAll(() => {
    store = storeKind === 's3' ? testS3Store() : new FileStore(dir);
  });

  test('a retry returns the file an earlier attempt committed, without downloading again', async () => {
    // Long enough to heartbeat (a heartbeat every 100 ms): such a download says when it commits.
    const { conversionId, downloadWav, url, done, heartbeats, requests, requestsAfterFirst } = await firstAttempt('committed', { heartbeatTimeoutMs: 300, throttleBytesPerSecond: 200_000 });

    const retry = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: heartbeats.at(-1) });
    const again = await retry.run(downloadWav, { conversionId, url });

    expect(heartbeats.at(-1)).toMatchObject({ committed: { bytes: done.bytes, sha256: done.sha256 } });
    expect(again).toMatchObject({ path: done.path, bytes: done.bytes, sha256: done.sha256, attempt: 2 });
    expect(requests()).toBe(requestsAfterFirst);
    expect(done.sha256).toBe(sandbox.tasks().find((t) => t.audioId === conversionId)?.file?.sha256);
  });

  /** A first attempt that downloads and commits a fresh file, with the heartbeats it sent. */
  async function firstAttempt(name: string, { heartbeatTimeoutMs, throttleBytesPerSecond }: { heartbeatTimeoutMs?: number; throttleBytesPerSecond?: number } = {}) {
    const audioId = `${storeKind}-${name}`;
    if (throttleBytesPerSecond) sandbox.setScenario(audioId, { throttleBytesPerSecond });
    const provider = new ProviderApi({ baseUrl: sandbox.url, apiKey: 'k', variant: 'sunoapi', timeoutMs: 5_000 });
    const { taskId } = await provider.submit({ audioId, callBackUrl: 'http://127.0.0.1:9/never' });
    const url = await waitFor('the file', async () => (await provider.recordInfo(taskId)).audioWavUrl);
    const downloadWav = sandboxDownloadWav(store, sandbox);
    const env = new MockActivityEnvironment({ attempt: 1, ...(heartbeatTimeoutMs ? { heartbeatTimeoutMs } : {}) });
    const heartbeats: Array<{ committed?: unknown }> = [];
    env.on('heartbeat', (details: { committed?: unknown }) => heartbeats.push(details));
    const done: DownloadResult = await env.run(downloadWav, { conversionId: audioId, url });
    const requests = () => sandbox.task(taskId)?.fileRequests;
    return { conversionId: audioId, downloadWav, url, done, heartbeats, requests, requestsAfterFirst: requests() };
  }

  // Heartbeats are throttled and need Temporal: a worker that dies right after the commit (or during
  // an outage) may have sent only the heartbeat with the size and validator, or none at all.
  test.each([
    ['predates the commit', (heartbeats: Array<{ committed?: unknown }>) => heartbeats.find((h) => !h.committed)],
    ['never reached the server', () => undefined],
  ])('a retry whose last heartbeat %s finds the file an earlier attempt committed', async (label, lastHeartbeat) => {
    const first = await firstAttempt(`committed-${label.replace(/ /g, '-')}`, { heartbeatTimeoutMs: 300, throttleBytesPerSecond: 200_000 });
    const heartbeatDetails = lastHeartbeat(first.heartbeats);
    if (label === 'predates the commit') expect(heartbeatDetails).toMatchObject({ bytes: expect.any(Number) as number });

    const retry = new MockActivityEnvironment({ attempt: 2, heartbeatDetails, scheduledTimestampMs: Date.now() - 60_000 });
    const again = await retry.run(first.downloadWav, { conversionId: first.conversionId, url: first.url });

    expect(again).toMatchObject({ path: first.done.path, bytes: first.done.bytes, sha256: first.done.sha256, attempt: 2 });
    expect(first.requests()).toBe(first.requestsAfterFirst);
  });

  test('a file committed before the activity was scheduled (an earlier run of the conversion) is downloaded again', async () => {
    const first = await firstAttempt('committed-stale');

    const retry = new MockActivityEnvironment({ attempt: 2, scheduledTimestampMs: Date.now() + 1 });
    const again = await retry.run(first.downloadWav, { conversionId: first.conversionId, url: first.url });

    expect(again).toMatchObject({ bytes: first.done.bytes, sha256: first.done.sha256, resumedFrom: 0 });
    expect(first.requests()).toBe((first.requestsAfterFirst ?? 0) + 1);
  });
});
