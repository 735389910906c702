import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { waitForConversion } from '../../src/client';
import type { ConversionSummary } from '../../src/list-conversions';
import { startStack, uniqueId, type TestStack } from '../support/stack';
import { waitFor } from '../support/wait-for';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${stack.server.url}${path}`, { headers });
type Page = { items: ConversionSummary[]; nextCursor?: string };

describe('GET /v1/conversions', () => {
  test('lists conversions by phase, newest first, page by page', async () => {
    const ids: string[] = [];
    for (const label of ['list-a', 'list-b']) {
      const { conversionId } = await stack.start({ audioId: uniqueId(label), pollIntervalSeconds: 600 });
      await waitForConversion(stack.client, conversionId);
      ids.push(conversionId);
    }
    const [older, newer] = ids as [string, string];

    const page = await waitFor('visibility to show both', async () => {
      const body = (await (await get('/v1/conversions?status=completed&limit=1000')).json()) as Page;
      const mine = body.items.filter((i) => ids.includes(i.conversionId));
      return mine.length === 2 && mine.every((i) => i.phase === 'completed') ? body : undefined;
    });
    const order = page.items.map((i) => i.conversionId);
    expect(order.indexOf(newer)).toBeLessThan(order.indexOf(older));
    expect(page.items.find((i) => i.conversionId === newer)).toMatchObject({ workflowStatus: 'COMPLETED', phase: 'completed', wavTaskId: expect.any(String) as string });

    const first = (await (await get('/v1/conversions?status=completed&limit=1')).json()) as Page;
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).toBeDefined();
    const second = (await (await get(`/v1/conversions?status=completed&limit=1&cursor=${first.nextCursor}`)).json()) as Page;
    expect(second.items).toHaveLength(1);
    expect(second.items[0]?.conversionId).not.toBe(first.items[0]?.conversionId);
  });

  test.each([['status=done'], ['limit=0'], ['limit=abc'], ['cursor=%24%24'], ['colour=red']])('a bad query (%s) is 400 naming it', async (query) => {
    const response = await get(`/v1/conversions?${query}`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { detail: string }).detail).toContain(query.split('=')[0]);
  });
});

describe('GET /v1/conversions/:id/wav', () => {
  test('streams the finished file as audio/wav, whole or by range', async () => {
    const { conversionId } = await stack.start({ audioId: uniqueId('file'), pollIntervalSeconds: 600 });
    const result = await waitForConversion(stack.client, conversionId);
    const onDisk = await readFile(result.path);

    const whole = await get(`/v1/conversions/${conversionId}/wav`);
    const part = await get(`/v1/conversions/${conversionId}/wav`, { range: 'bytes=0-43' });

    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('audio/wav');
    expect(createHash('sha256').update(Buffer.from(await whole.arrayBuffer())).digest('hex')).toBe(result.sha256);
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 0-43/${onDisk.length}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(onDisk.subarray(0, 44));
  });

  test('409 while there is no file yet, 404 for an unknown conversion', async () => {
    const audioId = uniqueId('no-file');
    stack.sandbox.setScenario(audioId, { callback: 'drop', conversionDelayMs: 600_000 });
    const { conversionId } = await stack.start({ audioId, pollIntervalSeconds: 600 });

    const notYet = await get(`/v1/conversions/${conversionId}/wav`);
    const unknown = await get(`/v1/conversions/${uniqueId('nothing')}/wav`);

    expect(notYet.status).toBe(409);
    expect(unknown.status).toBe(404);
    await stack.client.workflow.getHandle(conversionId).cancel();
  });
});
