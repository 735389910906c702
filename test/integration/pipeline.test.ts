import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { getConversion, waitForConversion } from '../../src/conversions';
import { callbackSignature } from '../../src/provider';
import { parseWavHeader } from '../../src/wav';
import { WavTaskIdAttribute, PhaseAttribute } from '../../src/workflows';
import { startStack, uniqueId, type TestStack } from '../support/stack';
import { waitFor } from '../support/wait-for';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function expectServedFile(result: { path: string; sha256: string; wavTaskId: string; bytes: number }) {
  const bytes = await readFile(result.path);
  const served = stack.sandbox.task(result.wavTaskId)?.file;
  expect(served).toBeDefined();
  expect(sha256(bytes)).toBe(served?.sha256);
  expect(result.sha256).toBe(served?.sha256);
  expect(result.bytes).toBe(bytes.length);
  const wav = parseWavHeader(bytes, bytes.length);
  expect(wav).toMatchObject({ audioFormat: 1, channels: 2, sampleRate: 44_100, bitsPerSample: 16 });
}

test('a callback answers the conversion and the verified WAV is on disk', async () => {
  const audioId = uniqueId('by-callback');
  const { conversionId } = await stack.start({ audioId, pollIntervalSeconds: 600 });

  const result = await waitForConversion(stack.client, conversionId);

  expect(result.answeredBy).toBe('callback');
  await expectServedFile(result);
  expect(result.durationSeconds).toBeCloseTo(0.25, 2);
  const status = await getConversion(stack.client, conversionId);
  // One poll: the callback's success is confirmed by record-info before the download.
  expect(status).toMatchObject({ phase: 'completed', polls: 1, wavTaskId: result.wavTaskId, audioId });
  expect(status?.callbacks.received).toBe(1);
  // The operator's view: searchable by provider task id; Temporal's own status says it completed
  // (PhaseAttribute holds the last running phase: a closing one costs no command).
  await waitFor('search attributes', async () => {
    const description = await stack.client.workflow.getHandle(conversionId).describe();
    return (
      description.typedSearchAttributes.get(WavTaskIdAttribute) === result.wavTaskId &&
      description.typedSearchAttributes.get(PhaseAttribute) === 'downloading' &&
      description.status.name === 'COMPLETED'
    );
  });
  expect(await readdir(stack.outputDir)).not.toContainEqual(expect.stringMatching(/\.part$/));
  // Provider calls go through the rate-limited provider queue; the download stays on the main one.
  const history = await stack.client.workflow.getHandle(conversionId).fetchHistory();
  const queues = Object.fromEntries(
    (history.events ?? []).flatMap((e) => {
      const a = e.activityTaskScheduledEventAttributes;
      return a ? [[a.activityType?.name ?? '', a.taskQueue?.name ?? '']] : [];
    }),
  );
  expect(queues).toEqual({
    submitConversion: `${stack.taskQueue}-provider`,
    pollConversion: `${stack.taskQueue}-provider`,
    downloadWav: stack.taskQueue,
  });
});

test('polling answers the conversion when the provider never sends the callback', async () => {
  const audioId = uniqueId('by-poll');
  stack.sandbox.setScenario(audioId, { callback: 'drop' });
  const { conversionId } = await stack.start({ audioId, pollIntervalSeconds: 5 });

  const result = await waitForConversion(stack.client, conversionId);

  expect(result.answeredBy).toBe('poll');
  await expectServedFile(result);
  expect(stack.sandbox.callbacks.attempts.filter((a) => a.wavTaskId === result.wavTaskId)).toHaveLength(0);
  const status = await getConversion(stack.client, conversionId);
  expect(status?.polls).toBeGreaterThanOrEqual(1);
  expect(status?.callbacks.received).toBe(0);
});

test('a failure callback (451) fails the conversion with its type, without downloading', async () => {
  const audioId = uniqueId('fails-451');
  stack.sandbox.setScenario(audioId, {
    failure: { state: 'GENERATE_WAV_FAILED', callbackCode: 451, msg: 'Download Failed - unable to download source audio file' },
  });
  const { conversionId } = await stack.start({ audioId, pollIntervalSeconds: 600 });

  const error = await waitForConversion(stack.client, conversionId).catch((err: unknown) => err);

  expect(error).toBeInstanceOf(WorkflowFailedError);
  const cause = (error as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  expect(cause).toMatchObject({ type: 'SourceDownloadFailed', nonRetryable: true });
  expect(cause?.message).toContain('unable to download source audio');
  const status = await getConversion(stack.client, conversionId);
  expect(status).toMatchObject({ phase: 'failed', answeredBy: 'callback', failure: { type: 'SourceDownloadFailed' } });
  expect(status?.result).toBeUndefined();
});

test('three copies of the callback give exactly one download', async () => {
  const audioId = uniqueId('duplicates');
  stack.sandbox.setScenario(audioId, { callbackCopies: 3 });
  const { conversionId } = await stack.start({ audioId, pollIntervalSeconds: 600 });

  const result = await waitForConversion(stack.client, conversionId);
  await expectServedFile(result);
  const delivered = await waitFor('three acknowledged callbacks', () => {
    const ok = stack.sandbox.callbacks.attempts.filter((a) => a.wavTaskId === result.wavTaskId && a.outcome === 200);
    return ok.length === 3 ? ok : undefined;
  });

  expect(delivered).toHaveLength(3);
  expect(stack.sandbox.task(result.wavTaskId)?.fileRequests).toBe(1);
  const status = await getConversion(stack.client, conversionId);
  // Copies that reached the workflow before it closed are counted and ignored; later ones were acknowledged as closed.
  expect(status?.callbacks.duplicates).toBe((status?.callbacks.received ?? 0) - 1);
  expect(status?.ignoredCallbacks.every((c) => c.reason === 'after-outcome')).toBe(true);
});

test('a callback that arrives before submit returns is buffered and used', async () => {
  const audioId = uniqueId('early-callback');
  stack.sandbox.setScenario(audioId, { callbackBeforeSubmitResponse: true });
  const { conversionId } = await stack.start({ audioId, pollIntervalSeconds: 600 });

  const result = await waitForConversion(stack.client, conversionId);

  expect(result.answeredBy).toBe('callback');
  await expectServedFile(result);
  const attempts = stack.sandbox.callbacks.attempts.filter((a) => a.wavTaskId === result.wavTaskId);
  expect(attempts).toEqual([expect.objectContaining({ attempt: 1, outcome: 200 })]);
  const status = await getConversion(stack.client, conversionId);
  expect(status).toMatchObject({ callbacks: { received: 1, duplicates: 0, mismatched: 0 } });
});

describe('callback receiver', () => {
  const body = (taskId: string) => JSON.stringify({ code: 200, msg: 'success', data: { task_id: taskId, audio_wav_url: 'https://example.com/forged.wav' } });
  const post = (path: string, payload: string, contentType = 'application/json') =>
    fetch(`${stack.server.url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body: payload });

  test('refuses forged signatures and bad bodies, and signals nothing', async () => {
    const audioId = uniqueId('forged');
    stack.sandbox.setScenario(audioId, { callback: 'drop', conversionDelayMs: 60_000 });
    const { conversionId } = await stack.start({ audioId, pollIntervalSeconds: 600 });
    const wavTaskId = await waitFor('submit', async () => (await getConversion(stack.client, conversionId))?.wavTaskId);
    const other = uniqueId('other');

    const wrongSig = await post(`/callbacks/wav/${conversionId}/not-the-signature`, body(wavTaskId));
    const otherSig = await post(`/callbacks/wav/${conversionId}/${callbackSignature(other, stack.callbackSecret)}`, body(wavTaskId));
    const ourSig = `/callbacks/wav/${conversionId}/${callbackSignature(conversionId, stack.callbackSecret)}`;
    const notJson = await post(ourSig, body(wavTaskId), 'text/plain');
    const malformed = await post(ourSig, JSON.stringify({ code: 200, msg: 'success', data: {} }));
    const tooLarge = await post(ourSig, JSON.stringify({ code: 200, msg: 'x'.repeat(70_000), data: { task_id: wavTaskId } }));

    expect(wrongSig.status).toBe(401);
    expect(otherSig.status).toBe(401);
    expect(notJson.status).toBe(415);
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toContain('application/problem+json');
    expect(((await malformed.json()) as { detail: string }).detail).toContain('data.task_id');
    expect(tooLarge.status).toBe(413);
    const status = await getConversion(stack.client, conversionId);
    expect(status).toMatchObject({ phase: 'waiting', callbacks: { received: 0 } });

    await stack.client.workflow.getHandle(conversionId).cancel();
  });

  test('acknowledges a late callback for a finished conversion with 200 ignored, changing nothing', async () => {
    const { conversionId } = await stack.start({ audioId: uniqueId('finished'), pollIntervalSeconds: 600 });
    const result = await waitForConversion(stack.client, conversionId);
    const before = await getConversion(stack.client, conversionId);

    const response = await post(`/callbacks/wav/${conversionId}/${callbackSignature(conversionId, stack.callbackSecret)}`, body(result.wavTaskId));

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ignored' });
    expect(await getConversion(stack.client, conversionId)).toEqual(before);
  });

  test('acknowledges a callback for a conversion that never existed, so the provider stops retrying', async () => {
    const conversionId = uniqueId('never-existed');
    const response = await post(`/callbacks/wav/${conversionId}/${callbackSignature(conversionId, stack.callbackSecret)}`, body('x'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ignored' });
  });
});

describe('starting conversions', () => {
  test('starting the same conversion twice returns the same workflow', async () => {
    const audioId = uniqueId('idempotent');
    stack.sandbox.setScenario(audioId, { conversionDelayMs: 60_000, callback: 'drop' });

    const first = await stack.start({ audioId, pollIntervalSeconds: 600 });
    const second = await stack.start({ audioId, pollIntervalSeconds: 600 });

    expect(first.created).toBe(true);
    expect(second).toEqual({ ...first, created: false });
    await waitFor('submit', async () => (await getConversion(stack.client, first.conversionId))?.wavTaskId);
    expect(stack.sandbox.tasks().filter((t) => t.audioId === audioId)).toHaveLength(1);
    await stack.client.workflow.getHandle(first.conversionId).cancel();
  });

  test('POST /v1/conversions is idempotent: 201, then 200 with the same run', async () => {
    const audioId = uniqueId('http-start');
    stack.sandbox.setScenario(audioId, { conversionDelayMs: 60_000, callback: 'drop' });
    const request = () =>
      fetch(`${stack.server.url}/v1/conversions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ audioId, pollIntervalSeconds: 600 }),
      });

    const first = await request();
    const second = await request();
    const a = (await first.json()) as { conversionId: string; runId: string; statusUrl: string };
    const b = (await second.json()) as { conversionId: string; runId: string };

    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(b.runId).toBe(a.runId);
    expect(first.headers.get('location')).toBe(`/v1/conversions/${a.conversionId}`);
    const status = await fetch(`${stack.server.url}${a.statusUrl}`);
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({ conversionId: a.conversionId, audioId, runId: a.runId });
    await stack.client.workflow.getHandle(a.conversionId).cancel();
  });

  test('a bad request names the field; an unknown conversion is 404', async () => {
    const bad = await fetch(`${stack.server.url}/v1/conversions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ audioId: 'has spaces' }),
    });
    const missing = await fetch(`${stack.server.url}/v1/conversions/${uniqueId('nothing')}`);

    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { detail: string }).detail).toMatch(/^audioId: /);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
  });
});
