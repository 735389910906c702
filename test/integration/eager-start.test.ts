import { randomUUID } from 'node:crypto';
import { waitForConversion } from '../../src/conversions';
import { PhaseAttribute } from '../../src/workflows';
import { startStack, uniqueId, type TestStack } from '../support/stack';
import { waitFor } from '../support/wait-for';

/**
 * Eager workflow start, wired as under `npm start`: the API's client shares the worker's
 * NativeConnection, so a start hands the first workflow task to that worker in its answer.
 */
let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({}, {}, { eagerStart: true });
});
afterAll(async () => {
  await stack?.stop();
});

test('a conversion started next to its worker starts eagerly and completes', async () => {
  const started = await stack.start({ audioId: uniqueId('eager'), pollIntervalSeconds: 600 });
  const result = await waitForConversion(stack.client, started.conversionId);

  expect(started).toMatchObject({ created: true, eagerlyStarted: true });
  expect(result.sha256).toBe(stack.sandbox.task(result.wavTaskId)?.file?.sha256);
  // The API reads it on the same connection.
  const status = await fetch(`${stack.server.url}/v1/conversions/${started.conversionId}`);
  expect(await status.json()).toMatchObject({ phase: 'completed', result: { sha256: result.sha256 } });
});

test('with no worker of that task queue in the process, the start is an ordinary one', async () => {
  const queue = `elsewhere-${randomUUID().slice(0, 8)}`;
  const started = await stack.start({ audioId: uniqueId('not-eager') }, { taskQueue: queue });
  const status = await fetch(`${stack.server.url}/v1/conversions/${started.conversionId}`);

  expect(started).toMatchObject({ created: true, eagerlyStarted: false });
  expect(status.status).toBe(503);
  expect(await status.json()).toMatchObject({ taskQueue: queue, conversion: { phase: 'submitting' } });
  await stack.client.workflow.getHandle(started.conversionId).terminate('test over');
});

test('on the worker\'s own connection too, a running conversion no worker answers for is 503 naming the queue', async () => {
  const audioId = uniqueId('eager-stranded');
  stack.sandbox.setScenario(audioId, { callback: 'drop', conversionDelayMs: 600_000 });
  const { conversionId } = await stack.start({ audioId, pollIntervalSeconds: 600 });
  await waitFor('the waiting phase', async () => (await stack.client.workflow.getHandle(conversionId).describe()).typedSearchAttributes.get(PhaseAttribute) === 'waiting');
  await stack.stopWorker();

  // The worker's pollers are still listed for a while, so the query is tried and times out.
  const status = await fetch(`${stack.server.url}/v1/conversions/${conversionId}`);
  expect(status.status).toBe(503);
  expect(await status.json()).toMatchObject({ taskQueue: stack.taskQueue, reason: 'timeout', conversion: { phase: 'waiting' } });
  await stack.client.workflow.getHandle(conversionId).terminate('test over');
});
