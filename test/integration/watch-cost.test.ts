import pino from 'pino';
import { watchConversion, type PhaseChange } from '../../src/conversions';
import { createApp, listen, type RunningServer } from '../../src/server';
import { PhaseAttribute } from '../../src/workflows';
import { countingClient, type CountingClient } from '../support/rpc-counter';
import { startStack, uniqueId, type TestStack } from '../support/stack';
import { waitFor } from '../support/wait-for';

/**
 * What watching a conversion costs, counted on the watcher's own connection: status queries are
 * billable actions and round trips to a worker, so following a conversion must not pay one per
 * tick of a clock.
 */
let stack: TestStack;
let counted: CountingClient;
beforeAll(async () => {
  stack = await startStack();
  counted = await countingClient(process.env.WAVFLOW_TEST_TEMPORAL_ADDRESS ?? '');
});
afterAll(async () => {
  await counted?.close();
  await stack?.stop();
});

test('convert --wait\'s watcher prints every phase and the result with no status query, reading history per change', async () => {
  const audioId = uniqueId('watch');
  // Callbacks dropped: the conversion waits through several 5 s polls before one sees SUCCESS.
  stack.sandbox.setScenario(audioId, { callback: 'drop', conversionDelayMs: 11_000 });
  const { conversionId } = await stack.start({ audioId, pollIntervalSeconds: 5 });
  const before = counted.counts();

  const phases: Array<{ phase: string; wavTaskId?: string | undefined }> = [];
  const result = await watchConversion(counted.client, conversionId, (phase, change: Pick<PhaseChange, 'wavTaskId'>) => phases.push({ phase, wavTaskId: change.wavTaskId }));

  const used = (method: string) => counted.of(method) - (before[method] ?? 0);
  const history = await stack.client.workflow.getHandle(conversionId).fetchHistory();
  expect(phases.map((p) => p.phase)).toEqual(['submitting', 'waiting', 'downloading', 'completed']);
  expect(phases[1]?.wavTaskId).toBe(result.wavTaskId);
  expect(result.sha256).toBe(stack.sandbox.task(result.wavTaskId)?.file?.sha256);
  expect(used('QueryWorkflow')).toBe(0);
  // One read per burst of new events at most (and one per idle long poll of ~20 s): never per tick.
  expect(used('GetWorkflowExecutionHistory')).toBeLessThanOrEqual((history.events?.length ?? 0) + 2);
  expect(used('DescribeWorkflowExecution')).toBe(1);
});

describe('GET /v1/conversions/:id', () => {
  let api: RunningServer;
  beforeAll(async () => {
    // The API on the counted connection: what it sends to Temporal is what a polling client costs.
    api = await listen(
      createApp({
        client: counted.client,
        namespace: 'default',
        callbackSecret: stack.callbackSecret,
        temporalUiUrl: 'http://127.0.0.1:8233',
        start: { taskQueue: stack.taskQueue },
        logger: pino({ level: 'silent' }),
      }),
      0,
      '127.0.0.1',
    );
  });
  afterAll(async () => {
    await api?.close();
  });

  test('a client polling a waiting conversion pays one status query per phase, not one per request', async () => {
    const audioId = uniqueId('poll-api');
    stack.sandbox.setScenario(audioId, { callback: 'drop', conversionDelayMs: 600_000 });
    const { conversionId } = await stack.start({ audioId, pollIntervalSeconds: 600 });
    const handle = stack.client.workflow.getHandle(conversionId);
    await waitFor('the waiting phase', async () => (await handle.describe()).typedSearchAttributes.get(PhaseAttribute) === 'waiting');
    const get = (headers: Record<string, string> = {}) => fetch(`${api.url}/v1/conversions/${conversionId}`, { headers });
    const queries = counted.of('QueryWorkflow');

    type Answer = { phase: string; polls: number; queriedAt: string };
    const answers: Answer[] = [];
    for (let i = 0; i < 10; i++) answers.push((await (await get()).json()) as Answer);
    const afterPolling = counted.of('QueryWorkflow');
    const fresh = (await (await get({ 'cache-control': 'no-cache' })).json()) as { queriedAt: string };
    const afterFresh = counted.of('QueryWorkflow');
    await handle.cancel();
    await waitFor('the cancellation', async () => (await handle.describe()).status.name === 'CANCELLED');
    const closed = (await (await get()).json()) as { phase: string };

    expect(answers.every((a) => a.phase === 'waiting' && a.polls === 0)).toBe(true);
    expect(afterPolling - queries).toBe(1);
    expect(new Set(answers.map((a) => a.queriedAt)).size).toBe(1);
    expect(afterFresh - afterPolling).toBe(1);
    expect(fresh.queriedAt >= (answers[0]?.queriedAt ?? '')).toBe(true);
    // A closed conversion is read from Temporal's records: no query at all.
    expect(closed.phase).toBe('cancelled');
    expect(counted.of('QueryWorkflow')).toBe(afterFresh);
  });
});
