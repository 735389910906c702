import { getConversion, waitForConversion } from '../../src/conversions';
import { convertToWav, providerCallbackSignal, statusQuery } from '../../src/workflows';
import { startStack, uniqueId, type TestStack } from '../support/stack';
import { waitFor } from '../support/wait-for';

/**
 * A history that fills up during a download (stray signals from a leaked callback URL) makes the
 * run continue as new: the download attempt is stopped, keeps what it stored, and the next run's
 * download resumes from there, into each store. The file is fetched about once.
 */
jest.setTimeout(180_000);

describe.each(['file', 's3'] as const)('into the %s store', (storeKind) => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({}, {}, { store: storeKind });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  test('the next run resumes the download where the stopped attempt left it', async () => {
    const audioId = uniqueId('can-download');
    // 3.5 MB at 500 kB/s: about 7 s, time enough for the strays. (Less than one S3 part: the S3
    // store keeps what it received as the tail object, and the next run continues after it.)
    stack.sandbox.setScenario(audioId, { wavSeconds: 20, throttleBytesPerSecond: 500_000 });
    const { conversionId, runId: firstRunId } = await stack.start({ audioId, pollIntervalSeconds: 600 }, {
      // Heartbeats a second apart (a third of 3 s): the stop reaches the download well before its end.
      input: { historyEventLimit: 40, downloadHeartbeatTimeoutMs: 3_000 },
    });
    const handle = stack.client.workflow.getHandle<typeof convertToWav>(conversionId);
    await waitFor('the download to start', async () => (await handle.query(statusQuery)).phase === 'downloading');
    const wavTaskId = (await getConversion(stack.client, conversionId))?.wavTaskId ?? '';
    const task = () => stack.sandbox.task(wavTaskId);
    await waitFor('a tenth of the file served', () => (task()?.bytesServed ?? 0) > (task()?.file?.bytes ?? Infinity) / 10, 60_000);

    // Signals straight into Temporal (as the CLI would), each for another task: only history grows.
    let strays = 0;
    await waitFor(
      'a new run',
      async () => {
        if ((await handle.describe()).runId !== firstRunId) return true;
        await handle.signal(providerCallbackSignal, { taskId: `stray-${strays++}`, code: 200, msg: 'stray' });
        return false;
      },
      60_000,
      0,
    );
    const result = await waitForConversion(stack.client, conversionId);
    const status = await getConversion(stack.client, conversionId);

    expect(status?.runs).toBeGreaterThanOrEqual(2);
    expect(result.sha256).toBe(task()?.file?.sha256);
    // The next run continued from what the stopped attempt stored: the file came over about once.
    expect(result.resumedFrom).toBeGreaterThan(0);
    await waitFor('the file host to see every connection end', () => task()?.fileRequestsOpen === 0);
    expect(task()?.bytesServed).toBeLessThanOrEqual(1.1 * (task()?.file?.bytes ?? 0));
    expect(await stack.leftovers(conversionId)).toEqual([]);
  });
});
