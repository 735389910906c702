import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { waitForConversion } from '../../src/conversions';
import type { ConversionSummary } from '../../src/conversions';
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
    const { detail } = (await response.json()) as { detail: string };
    const name = query.split('=')[0] ?? '';
    // Labelled with the parameter's name, never as if it were the body.
    expect(detail).toMatch(new RegExp(`^${name}: `));
    expect(detail).not.toContain('(body)');
  });

  test('a cursor this API did not hand out, or handed out for another query, is 400 naming cursor', async () => {
    for (const label of ['list-c', 'list-d']) {
      const { conversionId } = await stack.start({ audioId: uniqueId(label), pollIntervalSeconds: 600 });
      await waitForConversion(stack.client, conversionId);
    }
    const issued = await waitFor('a second page', async () => {
      const page = (await (await get('/v1/conversions?status=completed&limit=1')).json()) as Page;
      return page.nextCursor;
    });
    // Any bogus cursor, one with a byte changed, and a real one replayed against another filter.
    const tampered = `${issued.slice(0, -2)}${issued.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const query of ['cursor=AAAA', 'cursor=eyJ4Ijox', `cursor=${tampered}`, `status=failed&limit=1&cursor=${issued}`]) {
      const response = await get(`/v1/conversions?${query}`);
      expect({ query, status: response.status }).toEqual({ query, status: 400 });
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(((await response.json()) as { detail: string }).detail).toMatch(/^cursor: /);
    }
  });
});

describe('POST /v1/conversions: media types', () => {
  const post = (path: string, contentType: string, body: string) => fetch(`${stack.server.url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });

  test.each([
    ['/v1/conversions', 'text/plain', JSON.stringify({ audioId: 'plain-text' })],
    ['/v1/conversions', 'application/x-www-form-urlencoded', 'audioId=a-form'],
    ['/v1/conversions/batch', 'text/plain', JSON.stringify({ items: [{ audioId: 'plain-text' }] })],
    ['/v1/conversions/batch', 'application/x-www-form-urlencoded', 'items=a-form'],
  ])('POST %s with %s is 415, not a body silently ignored', async (path, contentType, body) => {
    const response = await post(path, contentType, body);
    expect(response.status).toBe(415);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(((await response.json()) as { detail: string }).detail).toContain('application/json');
  });

  test('JSON with a charset is accepted', async () => {
    const audioId = uniqueId('charset');
    const response = await post('/v1/conversions', 'application/json; charset=utf-8', JSON.stringify({ audioId, pollIntervalSeconds: 600 }));
    expect(response.status).toBe(201);
    const { conversionId } = (await response.json()) as { conversionId: string };
    await stack.client.workflow.getHandle(conversionId).cancel();
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
