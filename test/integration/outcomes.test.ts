import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { getConversion, waitForConversion } from '../../src/conversions';
import { callbackSignature } from '../../src/provider';
import { POLL_INTERVAL_MS } from '../../src/workflows/input';
import type { Scenario } from '../../src/sandbox';
import { providerCallbackSignal, type ConversionResult, type ConversionStatus } from '../../src/workflows';
import { startStack, uniqueId, type TestStack } from '../support/stack';
import { waitFor } from '../support/wait-for';

/** Every row of the README's outcome table, against the sandbox provider and the dev server. */

let stack: TestStack;
let kie: TestStack;
beforeAll(async () => {
  [stack, kie] = await Promise.all([startStack(), startStack({ variant: 'kie' })]);
});
afterAll(async () => {
  await Promise.all([stack?.stop(), kie?.stop()]);
});

interface Outcome {
  result: ConversionResult | undefined;
  failure: ApplicationFailure | undefined;
  status: ConversionStatus | undefined;
  conversionId: string;
}

async function convert(scenario: Scenario, request: { pollIntervalSeconds?: number; deadlineSeconds?: number; confirmCallbacks?: boolean } = {}, on = stack) {
  const audioId = uniqueId('outcome');
  on.sandbox.setScenario(audioId, scenario);
  const { conversionId } = await on.start({ audioId, pollIntervalSeconds: 600, ...request });
  return { ...(await outcomeOf(on, conversionId)), audioId };
}

/** How a conversion ended: its result or its failure, and its final status. */
async function outcomeOf(on: TestStack, conversionId: string): Promise<Outcome> {
  const outcome = await waitForConversion(on.client, conversionId).then(
    (result) => ({ result, failure: undefined }),
    (err: unknown) => ({ result: undefined, failure: failureOf(err) }),
  );
  return { ...outcome, status: await getConversion(on.client, conversionId), conversionId };
}

function failureOf(err: unknown): ApplicationFailure {
  if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure) return err.cause;
  throw err;
}

const served = (on: TestStack, wavTaskId: string) => on.sandbox.task(wavTaskId)?.file?.sha256;
/** The shortest poll interval a conversion accepts. */
const MIN_POLL_SECONDS = POLL_INTERVAL_MS.min / 1000;

/**
 * The one check of a success: the conversion completed without a failure, and the file it wrote
 * is the very file the sandbox served, by the sandbox's own record (its sha256, all its bytes sent).
 */
async function expectServedFile(on: TestStack, { result, failure, status }: Outcome): Promise<ConversionResult> {
  expect(failure).toBeUndefined();
  expect(status).toMatchObject({ phase: 'completed', workflowStatus: 'COMPLETED' });
  expect(status?.failure).toBeUndefined();
  if (!result) throw new Error('the conversion has no result');
  const task = on.sandbox.task(result.wavTaskId);
  const file = task?.file;
  if (!task || !file) throw new Error(`the sandbox served no file for task ${result.wavTaskId}`);
  expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
  expect(task.bytesServed).toBeGreaterThanOrEqual(file.bytes);
  expect(result).toMatchObject({ sha256: file.sha256, bytes: file.bytes });
  expect(createHash('sha256').update(await readFile(result.path)).digest('hex')).toBe(file.sha256);
  return result;
}

/** The last attempt of a conversion's activity, and what the attempt before it failed with (from the history). */
async function lastAttempt(on: TestStack, conversionId: string, activityType: string) {
  const events = (await on.client.workflow.getHandle(conversionId).fetchHistory()).events ?? [];
  const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType).map((e) => String(e.eventId));
  const started = events.filter((e) => scheduled.includes(String(e.activityTaskStartedEventAttributes?.scheduledEventId))).at(-1)?.activityTaskStartedEventAttributes;
  return { attempt: started?.attempt ?? 0, lastFailure: started?.lastFailure?.applicationFailureInfo?.type ?? undefined, lastMessage: started?.lastFailure?.message ?? undefined };
}

describe('submit', () => {
  test('409 adopts the earlier WAV task and continues', async () => {
    const audioId = uniqueId('conflict');
    const first = await stack.start({ audioId, conversionId: `first-${audioId}`, pollIntervalSeconds: 600 });
    const firstResult = await waitForConversion(stack.client, first.conversionId);
    // The callback went to the first conversion's URL: the second learns of the outcome by polling.
    const second = await stack.start({ audioId, conversionId: `second-${audioId}`, pollIntervalSeconds: MIN_POLL_SECONDS });

    const result = await expectServedFile(stack, await outcomeOf(stack, second.conversionId));

    expect(result.wavTaskId).toBe(firstResult.wavTaskId);
    expect(result.sha256).toBe(served(stack, result.wavTaskId));
    expect(await getConversion(stack.client, second.conversionId)).toMatchObject({ adopted: true, answeredBy: 'poll' });
  });

  test.each([
    [400, 'InvalidRequest'],
    [401, 'ProviderUnauthorized'],
    [402, 'InsufficientCredits'],
    [404, 'ProviderNotFound'],
    [413, 'InvalidRequest'],
    [422, 'InvalidRequest'],
    [429, 'InsufficientCredits'],
    [505, 'ProviderFeatureDisabled'],
  ])('%i fails at once with %s (sunoapi reading)', async (code, type) => {
    const { failure, status, audioId } = await convert({ refuseSubmit: [code] });
    expect(failure).toMatchObject({ type, nonRetryable: true });
    expect(status).toMatchObject({ phase: 'failed', failure: { type } });
    // One request only: no retry of a refusal.
    expect(stack.sandbox.tasks().filter((t) => t.audioId === audioId)).toHaveLength(0);
  });

  test.each([
    [405, 'ProviderRateLimited'],
    [430, 'ProviderRateLimited'],
    [455, 'ProviderUnavailable'],
    [500, 'ProviderUnavailable'],
  ])('%i is retried with backoff until the provider accepts', async (code, type) => {
    const outcome = await convert({ refuseSubmit: [code, code] });
    const result = await expectServedFile(stack, outcome);
    expect(result?.sha256).toBe(served(stack, result?.wavTaskId ?? ''));
    expect(outcome.status?.phase).toBe('completed');
    expect(await lastAttempt(stack, outcome.conversionId, 'submitConversion')).toMatchObject({ attempt: 3, lastFailure: type });
  });

  test('429 on a kie.ai-style provider is a rate limit: retried', async () => {
    const outcome = await convert({ refuseSubmit: [429] }, {}, kie);
    const result = await expectServedFile(kie, outcome);
    expect(result?.sha256).toBe(served(kie, result?.wavTaskId ?? ''));
    expect(await lastAttempt(kie, outcome.conversionId, 'submitConversion')).toMatchObject({ attempt: 2, lastFailure: 'ProviderRateLimited' });
  });

  test.each([
    ['a timeout (no answer within the client\'s timeout)', 'timeout' as const],
    ['a network error (connection dropped without an answer)', 'network' as const],
  ])('%s is ProviderUnavailable: retried with backoff until the provider accepts', async (_name, fault) => {
    const outcome = await convert({ refuseSubmit: [fault] });
    await expectServedFile(stack, outcome);
    expect(await lastAttempt(stack, outcome.conversionId, 'submitConversion')).toMatchObject({ attempt: 2, lastFailure: 'ProviderUnavailable' });
  });
});

describe('record-info', () => {
  const byPoll = (scenario: Scenario) => convert({ callback: 'drop', ...scenario }, { pollIntervalSeconds: MIN_POLL_SECONDS });

  test('PENDING and unknown states keep waiting until SUCCESS', async () => {
    // The conversion outlasts the first poll.
    const outcome = await byPoll({ pendingState: 'QUEUED_FOR_CONVERSION', conversionDelayMs: MIN_POLL_SECONDS * 1000 + 1_500 });
    const { result, status } = outcome;
    await expectServedFile(stack, outcome);
    expect(result?.answeredBy).toBe('poll');
    expect(status?.polls).toBeGreaterThan(1);
  });

  test('SUCCESS without a URL keeps waiting; SUCCESS with the URL wins', async () => {
    const outcome = await byPoll({ successWithoutUrlPolls: 1 });
    const { result, status } = outcome;
    await expectServedFile(stack, outcome);
    expect(result?.sha256).toBe(served(stack, result?.wavTaskId ?? ''));
    expect(status?.polls).toBeGreaterThanOrEqual(2);
  });

  test.each([
    ['CREATE_TASK_FAILED', 'CreateTaskFailed'],
    ['GENERATE_WAV_FAILED', 'GenerateWavFailed'],
    ['GENERATE_AUDIO_FAILED', 'GenerateWavFailed'],
  ] as const)('%s fails with %s and the provider\'s message', async (state, type) => {
    const { failure, status } = await byPoll({ failure: { state, callbackCode: 500, msg: `provider says ${state}` } });
    expect(failure).toMatchObject({ type, message: `provider says ${state}` });
    expect(status).toMatchObject({ answeredBy: 'poll', failure: { type } });
  });

  test('CALLBACK_EXCEPTION with a URL wins', async () => {
    const outcome = await byPoll({ failure: { state: 'CALLBACK_EXCEPTION', callbackCode: 500 }, callbackExceptionWithUrl: true });
    const result = await expectServedFile(stack, outcome);
    expect(result?.sha256).toBe(served(stack, result?.wavTaskId ?? ''));
    expect(result.answeredBy).toBe('poll');
  });

  test('CALLBACK_EXCEPTION without a URL fails', async () => {
    const { failure } = await byPoll({ failure: { state: 'CALLBACK_EXCEPTION', callbackCode: 500, msg: 'callback failed' } });
    expect(failure).toMatchObject({ type: 'CallbackException', message: 'callback failed' });
  });
});

describe('callbacks', () => {
  test.each([
    [400, 'SourceRejected'],
    [451, 'SourceDownloadFailed'],
    [401, 'ProviderUnauthorized'],
    [402, 'InsufficientCredits'],
    [429, 'InsufficientCredits'],
    [500, 'ProviderConversionError'],
    [501, 'ProviderConversionError'],
  ])('code %i fails with %s and keeps the msg', async (code, type) => {
    const { failure, status } = await convert({ failure: { state: 'GENERATE_WAV_FAILED', callbackCode: code, msg: `msg ${code}` } });
    expect(failure).toMatchObject({ type, message: `msg ${code}` });
    expect(status?.answeredBy).toBe('callback');
  });

  test('a success callback is confirmed by record-info, whose URL is the one downloaded', async () => {
    const audioId = uniqueId('confirm');
    stack.sandbox.setScenario(audioId, { callback: 'drop', conversionDelayMs: 0 });
    const { conversionId } = await stack.start({ audioId, pollIntervalSeconds: 600 });
    const wavTaskId = await waitFor('submit', async () => (await getConversion(stack.client, conversionId))?.wavTaskId);
    await waitFor('the conversion to finish at the provider', () => stack.sandbox.task(wavTaskId)?.state === 'SUCCESS');

    // An authentic-looking callback that tries to inject another download URL.
    const injected = await fetch(`${stack.server.url}/callbacks/wav/${conversionId}/${callbackSignature(conversionId, stack.callbackSecret)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: 200, msg: 'success', data: { task_id: wavTaskId, audio_wav_url: 'http://127.0.0.1:1/evil.wav' } }),
    });
    expect(injected.status).toBe(200);
    const result = await expectServedFile(stack, await outcomeOf(stack, conversionId));

    expect(result.sha256).toBe(served(stack, wavTaskId));
    expect(result.answeredBy).toBe('callback');
    expect(stack.sandbox.task(wavTaskId)?.fileRequests).toBe(1);
  });

  test('with confirmation off, the callback URL is used without a poll', async () => {
    const outcome = await convert({}, { confirmCallbacks: false });
    const { result, status } = outcome;
    await expectServedFile(stack, outcome);
    expect(result?.sha256).toBe(served(stack, result?.wavTaskId ?? ''));
    expect(result?.answeredBy).toBe('callback');
    expect(status?.polls).toBe(0);
  });

  test('a callback for another task id is counted, kept and ignored', async () => {
    const audioId = uniqueId('mismatch');
    stack.sandbox.setScenario(audioId, { callback: 'drop', conversionDelayMs: 500 });
    const { conversionId } = await stack.start({ audioId, pollIntervalSeconds: MIN_POLL_SECONDS });
    await waitFor('submit', async () => (await getConversion(stack.client, conversionId))?.wavTaskId);
    const response = await fetch(`${stack.server.url}/callbacks/wav/${conversionId}/${callbackSignature(conversionId, stack.callbackSecret)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: 451, msg: 'not yours', data: { task_id: 'someone-elses-task' } }),
    });
    expect(response.status).toBe(200);

    const result = await expectServedFile(stack, await outcomeOf(stack, conversionId));
    const status = await getConversion(stack.client, conversionId);

    expect(result.answeredBy).toBe('poll');
    expect(status?.callbacks).toMatchObject({ received: 1, mismatched: 1 });
    expect(status?.ignoredCallbacks).toEqual([expect.objectContaining({ reason: 'other-task', taskId: 'someone-elses-task', code: 451 })]);
  });

  test('a success callback without a URL is counted and ignored; the conversion keeps waiting', async () => {
    const audioId = uniqueId('no-url');
    stack.sandbox.setScenario(audioId, { callback: 'drop', conversionDelayMs: 1_000 });
    const { conversionId } = await stack.start({ audioId, pollIntervalSeconds: MIN_POLL_SECONDS });
    const wavTaskId = await waitFor('submit', async () => (await getConversion(stack.client, conversionId))?.wavTaskId);
    const response = await fetch(`${stack.server.url}/callbacks/wav/${conversionId}/${callbackSignature(conversionId, stack.callbackSecret)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: 200, msg: 'success', data: { task_id: wavTaskId, audio_wav_url: null } }),
    });
    expect(response.status).toBe(200);

    const result = await expectServedFile(stack, await outcomeOf(stack, conversionId));
    const status = await getConversion(stack.client, conversionId);

    expect(result.answeredBy).toBe('poll');
    expect(status?.callbacks).toMatchObject({ received: 1, withoutUrl: 1 });
    expect(status?.ignoredCallbacks).toEqual([expect.objectContaining({ reason: 'no-url', taskId: wavTaskId, code: 200 })]);
  });

  test('an authentic but malformed callback is signalled for inspection; the conversion keeps waiting', async () => {
    const outcome = await convert({ malformedCallback: true }, { pollIntervalSeconds: MIN_POLL_SECONDS });
    const { result, status, conversionId } = outcome;
    await expectServedFile(stack, outcome);
    expect(result?.answeredBy).toBe('poll');
    expect(status?.malformedCallbacks[0]?.error).toContain('data.task_id');
    expect(status?.malformedCallbacks[0]?.body).toContain('audio_wav_url');
    // Each delivery (the provider retries after our 400) is in the history as a signal.
    const history = await stack.client.workflow.getHandle(conversionId).fetchHistory();
    const signals = history.events?.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'malformedCallback') ?? [];
    expect(signals.length).toBeGreaterThanOrEqual(1);
    expect(status?.callbacks.malformed).toBe(signals.length);
  });
});

describe('deadline', () => {
  test('no terminal answer by the deadline ends with ConversionTimedOut after one last poll', async () => {
    // Polls at 5 s and (cut short by the deadline) at 7 s.
    const { failure, status } = await convert({ callback: 'drop', conversionDelayMs: 600_000 }, { pollIntervalSeconds: MIN_POLL_SECONDS, deadlineSeconds: MIN_POLL_SECONDS + 2 });
    expect(failure).toMatchObject({ type: 'ConversionTimedOut' });
    expect(status?.polls).toBeGreaterThanOrEqual(2);
    // The last poll happened once the deadline had passed.
    expect(Date.parse(status?.phases.at(-1)?.at ?? '')).toBeGreaterThanOrEqual(Date.parse(status?.deadlineAt ?? ''));
  });
});

describe('download', () => {
  test('an expired URL is refreshed through record-info', async () => {
    // URL 0 went out in the callback (unused: confirmation asks record-info); 1 and 2 expire, 3 works.
    const outcome = await convert({ expiredUrls: 3 });
    const { result, status } = outcome;
    await expectServedFile(stack, outcome);
    expect(result?.sha256).toBe(served(stack, result?.wavTaskId ?? ''));
    expect(status?.urlRefreshes).toBe(2);
  });

  // The stack's idle timeout is 5 s: each of these waits it out once.
  test.each([
    ['5xx from the file host (503, then 500)', { fileErrors: [503, 500] }, 3, 'file host answered 500'],
    ['a stall before any header (idle timeout)', { stallBeforeHeaders: 1 }, 2, 'no data for 5000 ms'],
  ])('%s is retried until the file comes', async (_name, scenario: Scenario, attempts, lastMessage) => {
    const outcome = await convert(scenario);
    const result = await expectServedFile(stack, outcome);
    expect(result.attempt).toBe(attempts);
    expect(await lastAttempt(stack, outcome.conversionId, 'downloadWav')).toMatchObject({ attempt: attempts, lastFailure: 'DownloadFailed', lastMessage: expect.stringContaining(lastMessage) as string });
  });

  test('a body that stalls half-way (idle timeout) is resumed from where it stopped', async () => {
    const outcome = await convert({ wavSeconds: 2, stallAfterFraction: 0.5 });
    const result = await expectServedFile(stack, outcome);
    expect(result.attempt).toBe(2);
    expect(result.resumedFrom).toBeGreaterThan(0);
    expect(await lastAttempt(stack, outcome.conversionId, 'downloadWav')).toMatchObject({ lastFailure: 'DownloadFailed', lastMessage: expect.stringContaining('no data for 5000 ms') as string });
  });

  test('a URL that keeps expiring fails with WavUrlExpired after 3 refreshes', async () => {
    const { failure, status } = await convert({ expiredUrls: 100 });
    expect(failure).toMatchObject({ type: 'WavUrlExpired' });
    expect(status?.urlRefreshes).toBe(3);
  });
});

describe('cancellation', () => {
  test('DELETE stops a running download, removes its .part file, and the status says cancelled', async () => {
    const audioId = uniqueId('cancel');
    stack.sandbox.setScenario(audioId, { wavSeconds: 2, throttleBytesPerSecond: 64 * 1024 });
    // Heartbeats a second apart (a third of 3 s): the cancellation reaches the 5 s download before its end.
    const { conversionId } = await stack.start({ audioId, pollIntervalSeconds: 600 }, { input: { downloadHeartbeatTimeoutMs: 3_000 } });
    const part = `${conversionId}.wav.part`;
    await waitFor('the download to be under way', async () => (await readdir(stack.outputDir)).includes(part), 20_000);

    const response = await fetch(`${stack.server.url}/v1/conversions/${conversionId}`, { method: 'DELETE' });
    expect(response.status).toBe(202);
    await expect(waitForConversion(stack.client, conversionId)).rejects.toThrow();

    expect(await readdir(stack.outputDir)).not.toContain(part);
    expect(await readdir(stack.outputDir)).not.toContain(`${conversionId}.wav`);
    const status = await getConversion(stack.client, conversionId);
    expect(status).toMatchObject({ phase: 'cancelled', workflowStatus: 'CANCELLED' });
    const again = await fetch(`${stack.server.url}/v1/conversions/${conversionId}`, { method: 'DELETE' });
    expect(again.status).toBe(409);
  });
});

describe('history bound', () => {
  test('a long wait continues-as-new, carrying its state, and still completes', async () => {
    const audioId = uniqueId('long-wait');
    stack.sandbox.setScenario(audioId, { callback: 'drop', conversionDelayMs: MIN_POLL_SECONDS * 1000 + 3_000 });
    const { conversionId, runId: firstRunId } = await stack.start({ audioId, pollIntervalSeconds: MIN_POLL_SECONDS }, { input: { historyEventLimit: 30 } });
    // Stray callbacks (another task's, signalled straight into Temporal: the receiver's budget
    // stops them at 10) grow the first run's history past the limit while it waits.
    const handle = stack.client.workflow.getHandle(conversionId);
    await waitFor('submit', async () => (await getConversion(stack.client, conversionId))?.wavTaskId);
    let strays = 0;
    await waitFor(
      'a new run',
      async () => {
        if ((await handle.describe()).runId !== firstRunId) return true;
        await handle.signal(providerCallbackSignal, { taskId: `stray-${strays++}`, code: 200, msg: 'stray' });
        return false;
      },
      30_000,
      0,
    );

    const result = await expectServedFile(stack, await outcomeOf(stack, conversionId));
    const status = await getConversion(stack.client, conversionId);

    expect(result.sha256).toBe(served(stack, result.wavTaskId));
    expect(status?.runs).toBeGreaterThanOrEqual(2);
    expect(status?.runId).not.toBe(firstRunId);
    // Counts and the original start survive the new runs.
    expect(status?.polls).toBeGreaterThanOrEqual(1);
    expect(status?.callbacks.mismatched).toBe(strays);
    expect(status?.phases.map((p) => p.phase)).toEqual(['submitting', 'waiting', 'downloading', 'completed']);
    const first = await stack.client.workflow.getHandle(conversionId, firstRunId).describe();
    expect(first.status.name).toBe('CONTINUED_AS_NEW');
    expect(status?.startedAt).toBe(first.startTime.toISOString());
  });
});
