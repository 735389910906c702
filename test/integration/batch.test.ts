import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { getConversion, waitForConversion } from '../../src/conversions';
import { startStack, uniqueId, type TestStack } from '../support/stack';

/** Batches: POST /v1/conversions/batch and the built CLI's `convert --from-file`, against the real stack. */
const cliPath = resolve(__dirname, '../../dist/cli.js');

let stack: TestStack;
let dir: string;
beforeAll(async () => {
  stack = await startStack();
  dir = await mkdtemp(join(tmpdir(), 'wavflow-batch-'));
});
afterAll(async () => {
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface BatchItem {
  index: number;
  status: number;
  conversionId?: string;
  runId?: string;
  statusUrl?: string;
  detail?: string;
}
interface BatchBody {
  items: BatchItem[];
  created: number;
  existing: number;
  failed: number;
}

const postBatch = (body: unknown) =>
  fetch(`${stack.server.url}/v1/conversions/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [cliPath, ...args],
      { env: { ...process.env, TEMPORAL_ADDRESS: process.env.WAVFLOW_TEST_TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE: stack.taskQueue, POLL_INTERVAL_SECONDS: '600' } },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const jsonLines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

async function idFile(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

describe('POST /v1/conversions/batch', () => {
  test('starts the valid items, reports the invalid one, and is idempotent', async () => {
    const items: Record<string, unknown>[] = [1, 2, 3, 4].map((n) => ({ audioId: uniqueId(`batch-${n}`), pollIntervalSeconds: 600 }));
    items.splice(2, 0, { audioId: 'not valid!' });

    const first = await postBatch({ items });
    expect(first.status).toBe(200);
    const body = (await first.json()) as BatchBody;
    expect(body.items.map((i) => [i.index, i.status])).toEqual([
      [0, 201],
      [1, 201],
      [2, 400],
      [3, 201],
      [4, 201],
    ]);
    expect(body).toMatchObject({ created: 4, existing: 0, failed: 1 });
    expect(body.items[2]?.detail).toContain('audioId');
    expect(body.items[0]).toMatchObject({ conversionId: `wav-${String(items[0]?.audioId)}`, runId: expect.any(String) as string, statusUrl: `/v1/conversions/wav-${String(items[0]?.audioId)}` });

    const again = (await (await postBatch({ items })).json()) as BatchBody;
    expect(again.items.map((i) => i.status)).toEqual([200, 200, 400, 200, 200]);
    expect(again.items.map((i) => i.runId)).toEqual(body.items.map((i) => i.runId));
    expect(again).toMatchObject({ created: 0, existing: 4, failed: 1 });

    // Real conversions: each one finishes.
    for (const item of body.items.filter((i) => i.status === 201)) await waitForConversion(stack.client, item.conversionId ?? '');
  });

  test('more than 1000 items are refused naming items, and none is started', async () => {
    const audioId = uniqueId('batch-too-many');
    const response = await postBatch({ items: Array.from({ length: 1001 }, (_, i) => ({ audioId: `${audioId}-${i}` })) });

    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(((await response.json()) as { detail: string }).detail).toMatch(/^items: /);
    await expect(stack.client.workflow.getHandle(`wav-${audioId}-0`).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  test('an envelope without items is 400 naming items', async () => {
    for (const body of [{}, { items: [] }, { items: [{ audioId: 'a' }], extra: 1 }]) {
      const response = await postBatch(body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { detail: string }).detail).toMatch(/items|extra/);
    }
  });
});

describe('convert --from-file', () => {
  test('--wait --json starts every line, reports each, and exits 0 once all completed', async () => {
    const [a, b, c] = [uniqueId('file-a'), uniqueId('file-b'), uniqueId('file-c')];
    const path = await idFile('ok.txt', `# three tracks\n${a}\n\n${b} source-task-b\n  ${c},source-task-c  \n`);

    const { code, stdout, stderr } = await cli(['convert', '--from-file', path, '--wait', '--json']);

    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = jsonLines(stdout);
    expect(lines.slice(0, 3)).toEqual([
      { index: 0, line: 2, conversionId: `wav-${a}`, runId: expect.any(String) as string, created: true },
      { index: 1, line: 4, conversionId: `wav-${b}`, runId: expect.any(String) as string, created: true },
      { index: 2, line: 5, conversionId: `wav-${c}`, runId: expect.any(String) as string, created: true },
    ]);
    expect(lines.filter((l) => 'progress' in l).at(-1)).toEqual({ progress: { completed: 3, failed: 0, running: 0 } });
    expect(lines.at(-1)).toEqual({ summary: { total: 3, created: 3, existing: 0, completed: 3, failed: 0 } });
    for (const id of [a, b, c]) expect(await getConversion(stack.client, `wav-${id}`)).toMatchObject({ phase: 'completed', audioId: id });
    expect(await getConversion(stack.client, `wav-${b}`)).toMatchObject({ taskId: 'source-task-b' });
  });

  test('exits 1 when one conversion fails, naming it and its failure type', async () => {
    const [good, bad] = [uniqueId('file-good'), uniqueId('file-bad')];
    stack.sandbox.setScenario(bad, { failure: { state: 'GENERATE_WAV_FAILED', callbackCode: 400, msg: 'unsupported source format' } });
    const path = await idFile('one-fails.txt', `${good}\n${bad}\n`);

    const { code, stdout } = await cli(['convert', '--from-file', path, '--wait']);

    expect(code).toBe(1);
    expect(stdout).toContain(`started: wav-${good}`);
    expect(stdout).toMatch(/^progress: \d completed, \d failed, \d running$/m);
    expect(stdout).toContain(`failed: wav-${bad}: SourceRejected: unsupported source format`);
    expect(stdout.trim().split('\n').at(-1)).toBe('done: 1 completed, 1 failed (of 2)');
    expect(await getConversion(stack.client, `wav-${good}`)).toMatchObject({ phase: 'completed' });
    expect(await getConversion(stack.client, `wav-${bad}`)).toMatchObject({ phase: 'failed' });
  });

  test('usage errors exit 2: an empty file, an unreadable file, a malformed line, --audio-id with --from-file', async () => {
    const empty = await idFile('empty.txt', '# nothing here\n\n');
    const malformed = await idFile('malformed.txt', 'a b c\n');
    const ids = await idFile('ids.txt', 'x\n');

    const results = await Promise.all([
      cli(['convert', '--from-file', empty]),
      cli(['convert', '--from-file', join(dir, 'missing.txt')]),
      cli(['convert', '--from-file', malformed]),
      cli(['convert', '--from-file', ids, '--audio-id', 'x']),
    ]);

    expect(results.map((r) => r.code)).toEqual([2, 2, 2, 2]);
    expect(results[0]?.stderr).toContain('no ids');
    expect(results[1]?.stderr).toContain('cannot read');
    expect(results[2]?.stderr).toContain('line 1');
    expect(results[3]?.stderr).toMatch(/--audio-id.*cannot be used with.*--from-file/);
  });
});
