import { ApplicationFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import fc from 'fast-check';
import { getConversion } from '../../src/conversions';
import { initialStatus, startingPoint } from '../../src/workflows/conversion-state';
import { convertToWav, malformedCallbackSignal, providerCallbackSignal, statusQuery } from '../../src/workflows';
import { startStack, uniqueId, type TestStack } from '../support/stack';
import { waitFor } from '../support/wait-for';

/**
 * Temporal is a second door: the CLI, another SDK or the UI start and signal conversions without
 * the API's checks. Whatever they send, the workflow never fails a workflow task (which would
 * wedge the conversion): a bad input fails it at once with InvalidConversionInput naming the
 * field, and a signal that cannot be read is counted as a malformed callback.
 */
jest.setTimeout(180_000);

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** Starts convertToWav with any argument at all, as another client could. */
const startRaw = (input: unknown, workflowId = uniqueId('raw')) =>
  stack.client.workflow.start('convertToWav', { workflowId, taskQueue: stack.taskQueue, args: [input] });

async function workflowTaskFailures(handle: WorkflowHandle): Promise<number> {
  const history = await handle.fetchHistory();
  return history.events?.filter((e) => e.workflowTaskFailedEventAttributes).length ?? 0;
}

/** How the run ended: its result, or its failure's type and message. */
const outcomeOf = (handle: WorkflowHandle) =>
  handle.result().then(
    () => ({ type: 'completed', message: '' }),
    (err: unknown) => {
      if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure) return { type: err.cause.type ?? '', message: err.cause.message, nonRetryable: err.cause.nonRetryable };
      throw err;
    },
  );

const invalidInputsCounted = async () =>
  (await stack.metrics.conversions.get()).values.filter((v) => v.labels.failure_type === 'InvalidConversionInput').reduce((sum, v) => sum + v.value, 0);

describe('a bad input fails the conversion at once, naming the field', () => {
  const carriedFromOutside = { ...initialStatus({ audioId: 'x' }, 'someone', new Date()), phase: 'downloading', result: { path: '/etc/passwd' } };

  test.each([
    ['a poll interval of 0', { audioId: 'bad-poll-0', pollIntervalMs: 0 }, 'pollIntervalMs'],
    ['a fraction of a millisecond', { audioId: 'bad-poll-fraction', pollIntervalMs: 0.1 }, 'pollIntervalMs'],
    ['a poll interval under 5 s', { audioId: 'bad-poll-4999', pollIntervalMs: 4_999 }, 'pollIntervalMs'],
    ['a deadline of 30 days', { audioId: 'bad-deadline', deadlineMs: 30 * 24 * 3_600_000 }, 'deadlineMs'],
    ['no source id', { pollIntervalMs: 30_000 }, 'audioId'],
    ['a source id with a path in it', { audioId: '../../etc/passwd' }, 'audioId'],
    ['null', null, '(input)'],
    ['state carried into a start', { audioId: 'bad-carried', carried: carriedFromOutside }, 'carried'],
  ])('%s', async (_what, input, field) => {
    const before = await invalidInputsCounted();
    const handle = await startRaw(input);

    const outcome = await outcomeOf(handle);

    expect(outcome).toMatchObject({ type: 'InvalidConversionInput', nonRetryable: true });
    expect(outcome.message.startsWith(`${field}: `) || outcome.message.startsWith(`${field}.`)).toBe(true);
    const status = await getConversion(stack.client, handle.workflowId);
    expect(status).toMatchObject({ phase: 'failed', failure: { type: 'InvalidConversionInput' } });
    expect(status?.result).toBeUndefined();
    expect(status?.wavTaskId).toBeUndefined();
    // Nothing was sent to the provider.
    const audioId = (input as { audioId?: string } | null)?.audioId;
    if (audioId) expect(stack.sandbox.tasks().filter((t) => t.audioId === audioId)).toHaveLength(0);
    expect(await workflowTaskFailures(handle)).toBe(0);
    await waitFor('the failure counted', async () => (await invalidInputsCounted()) > before);
  });
});

describe('signals', () => {
  /** A conversion that waits: its callback is held by the sandbox and its first poll is 10 minutes away. */
  async function waitingConversion() {
    const audioId = uniqueId('signals');
    stack.sandbox.setScenario(audioId, { callback: 'drop' });
    const { conversionId } = await stack.start({ audioId, pollIntervalSeconds: 600 });
    const handle = stack.client.workflow.getHandle<typeof convertToWav>(conversionId);
    const wavTaskId = await waitFor('submit', async () => (await handle.query(statusQuery)).wavTaskId);
    await waitFor('the provider to finish', () => stack.sandbox.task(wavTaskId)?.state === 'SUCCESS');
    return { handle, wavTaskId };
  }

  test("poison signals are counted as malformed; the provider's raw callback body is understood", async () => {
    const { handle, wavTaskId } = await waitingConversion();
    await handle.signal(providerCallbackSignal, null as never);
    await handle.signal(malformedCallbackSignal, {} as never);
    await handle.signal(providerCallbackSignal, 'text' as never);
    await waitFor('three malformed', async () => (await handle.query(statusQuery)).callbacks.malformed === 3);

    // As the provider would have posted it, pasted into `temporal workflow signal`.
    await handle.signal(providerCallbackSignal, { code: 200, msg: 'success', data: { task_id: wavTaskId, audio_wav_url: 'http://localhost:1/not-used.wav', callbackType: 'complete' } } as never);
    // Said here, rather than by waiting out the 10-minute poll that would answer it otherwise.
    await waitFor('the raw body understood as the callback', async () => (await handle.query(statusQuery)).callbacks.received === 1);
    const result = await handle.result();

    expect(result).toMatchObject({ wavTaskId, answeredBy: 'callback' });
    // Confirmed by record-info, whose URL was downloaded.
    expect(result.sha256).toBe(stack.sandbox.task(wavTaskId)?.file?.sha256);
    const status = await handle.query(statusQuery);
    expect(status.callbacks).toMatchObject({ received: 1, malformed: 3, mismatched: 0 });
    expect(status.malformedCallbacks.map((m) => m.body)).toEqual(['null', '{}', '"text"']);
    expect(await workflowTaskFailures(handle)).toBe(0);
  });

  test('property: arbitrary JSON signals never fail a workflow task, and each is counted once', async () => {
    const { handle, wavTaskId } = await waitingConversion();
    let sent = 0;
    const callbackLike = fc.record(
      { taskId: fc.oneof(fc.string(), fc.integer(), fc.constant(null)), code: fc.oneof(fc.integer(), fc.string(), fc.constant(null)), msg: fc.jsonValue(), audioWavUrl: fc.oneof(fc.webUrl(), fc.string()) },
      { requiredKeys: [] },
    );
    const rawLike = fc.record({ code: fc.oneof(fc.integer(), fc.string()), data: fc.oneof(fc.record({ task_id: fc.string(), audio_wav_url: fc.string() }, { requiredKeys: [] }), fc.jsonValue()) }, { requiredKeys: [] });
    const payload = fc.oneof(fc.jsonValue({ maxDepth: 3 }), callbackLike, rawLike);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(providerCallbackSignal.name, malformedCallbackSignal.name), payload, async (signal, value) => {
        await handle.signal(signal, value);
        sent++;
        // A failed workflow task stops every query: say so at once, rather than by a deadline.
        const seen = await waitFor('the signal counted, or a workflow task failed', async () => {
          if ((await workflowTaskFailures(handle)) > 0) return 'a workflow task failed';
          const { callbacks } = await handle.query(statusQuery);
          return callbacks.received + callbacks.malformed === sent ? 'counted' : undefined;
        });
        expect(seen).toBe('counted');
      }),
      // The workflow is wedged after the first failure: shrinking on it would only wait out deadlines.
      { numRuns: 60, endOnFailure: true },
    );
    expect(await workflowTaskFailures(handle)).toBe(0);

    // Still alive and well: the real callback completes it.
    await handle.signal(providerCallbackSignal, { taskId: wavTaskId, code: 200, msg: 'success', audioWavUrl: 'http://localhost:1/x.wav' });
    expect(await handle.result()).toMatchObject({ wavTaskId, answeredBy: 'callback' });
    expect(await workflowTaskFailures(handle)).toBe(0);
  });
});

test('property: arbitrary JSON inputs never fail a workflow task; bad ones end as InvalidConversionInput', async () => {
  const fields = ['audioId', 'taskId', 'pollIntervalMs', 'deadlineMs', 'confirmCallbacks', 'historyEventLimit', 'downloadHeartbeatTimeoutMs', 'providerCallTimeoutMs', 'startedBy', 'carried'];
  // Mostly a good input with one field replaced, so the checks of each field are reached.
  const mutated = fc
    .tuple(fc.constantFrom(...fields, 'somethingElse'), fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.integer({ min: -10, max: 100_000 }), fc.double()))
    .map(([field, value]) => ({ audioId: uniqueId('prop'), [field]: value }));
  const input = fc.oneof(fc.jsonValue({ maxDepth: 3 }), mutated, mutated);
  let valid = 0;
  await fc.assert(
    fc.asyncProperty(input, async (value) => {
      const handle = await startRaw(value);
      const outcome = await outcomeOf(handle);
      // What arrived (JSON drops undefined), judged as the workflow judges a fresh start.
      const arrived = JSON.parse(JSON.stringify(value ?? null)) as unknown;
      if (startingPoint(arrived, { workflowId: handle.workflowId, startTime: new Date() }, true).invalid === undefined) {
        valid++;
        expect(outcome.type).not.toBe('InvalidConversionInput');
      } else {
        expect(outcome.type).toBe('InvalidConversionInput');
      }
      expect(await workflowTaskFailures(handle)).toBe(0);
    }),
    { numRuns: 40 },
  );
  // Some of the generated inputs were good ones, and ran.
  expect(valid).toBeGreaterThan(0);
});
