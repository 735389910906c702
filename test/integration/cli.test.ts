import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { getConversion, waitForConversion } from '../../src/conversions';
import { startStack, uniqueId, type TestStack } from '../support/stack';
import { waitFor } from '../support/wait-for';

/** The built CLI, run as a user would, against the shared Temporal server and this file's worker. */
const cliPath = resolve(__dirname, '../../dist/cli.js');

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [cliPath, ...args],
      {
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: process.env.WAVFLOW_TEST_TEMPORAL_ADDRESS,
          TEMPORAL_TASK_QUEUE: stack.taskQueue,
          POLL_INTERVAL_SECONDS: '600',
          ...env,
        },
      },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;

test('convert --wait --json prints the verified result and exits 0', async () => {
  const audioId = uniqueId('cli-ok');
  const { code, stdout } = await cli(['convert', '--audio-id', audioId, '--wait', '--json']);

  expect(code).toBe(0);
  const out = lastJson(stdout) as { conversionId: string; created: boolean; result: { sha256: string; wavTaskId: string } };
  expect(out).toMatchObject({ conversionId: `wav-${audioId}`, created: true });
  expect(out.result.sha256).toBe(stack.sandbox.task(out.result.wavTaskId)?.file?.sha256);
});

test('convert --wait prints each phase, and status shows the conversion', async () => {
  const audioId = uniqueId('cli-text');
  const convert = await cli(['convert', '--audio-id', audioId, '--wait']);
  const status = await cli(['status', `wav-${audioId}`, '--json']);

  expect(convert.code).toBe(0);
  expect(convert.stdout).toMatch(/^started: wav-[\s\S]*^submitting$[\s\S]*^waiting {2}provider task [0-9a-f]+$[\s\S]*^completed: /m);
  expect(status.code).toBe(0);
  expect(lastJson(status.stdout)).toMatchObject({ conversionId: `wav-${audioId}`, phase: 'completed', workflowStatus: 'COMPLETED' });
});

test('convert --wait reports a slow download\'s progress, which status also shows', async () => {
  const audioId = uniqueId('cli-progress');
  // About 14 s of download: past its first heartbeat, which comes a third of the default 30 s heartbeat timeout in.
  stack.sandbox.setScenario(audioId, { wavSeconds: 2, throttleBytesPerSecond: 25_000 });
  const convert = cli(['convert', '--audio-id', audioId, '--wait']);
  const midway = await waitFor('download progress in the status', async () => {
    const view = await getConversion(stack.client, `wav-${audioId}`);
    return view?.download && view.download.bytes > 0 ? view.download : undefined;
  }, 60_000);
  const { code, stdout } = await convert;

  expect(midway.total).toBe(stack.sandbox.tasks().find((t) => t.audioId === audioId)?.file?.bytes);
  expect(midway.bytes).toBeLessThan(midway.total ?? 0);
  expect(code).toBe(0);
  expect(stdout).toMatch(/^downloading {2}provider task [0-9a-f]+$[\s\S]*^downloading {2}\d+% \(\d+ of \d+ bytes\)$[\s\S]*^completed: /m);
});

test('a failed conversion exits 1 with its failure type', async () => {
  const audioId = uniqueId('cli-fail');
  stack.sandbox.setScenario(audioId, { failure: { state: 'GENERATE_WAV_FAILED', callbackCode: 400, msg: 'unsupported source format' } });
  const { code, stdout } = await cli(['convert', '--audio-id', audioId, '--wait', '--json']);
  const status = await cli(['status', `wav-${audioId}`]);

  expect(code).toBe(1);
  expect(lastJson(stdout)).toMatchObject({ failure: { type: 'SourceRejected', message: 'unsupported source format' } });
  // The README's exit codes: status of a failed conversion is 1 too.
  expect(status.code).toBe(1);
  expect(status.stdout).toContain('failure      SourceRejected: unsupported source format');
});

test('cancel stops a running conversion; cancelling again exits 1', async () => {
  const audioId = uniqueId('cli-cancel');
  stack.sandbox.setScenario(audioId, { callback: 'drop', conversionDelayMs: 600_000 });
  const { conversionId } = await stack.start({ audioId, pollIntervalSeconds: 600 });

  const first = await cli(['cancel', conversionId, '--json']);
  await waitFor('the cancellation', async () => (await stack.client.workflow.getHandle(conversionId).describe()).status.name === 'CANCELLED');
  const status = await cli(['status', conversionId, '--json']);
  const again = await cli(['cancel', conversionId]);

  expect(first.code).toBe(0);
  expect(lastJson(first.stdout)).toEqual({ conversionId, status: 'cancelling' });
  expect(lastJson(status.stdout)).toMatchObject({ phase: 'cancelled', workflowStatus: 'CANCELLED' });
  expect(status.code).toBe(1);
  expect(again.code).toBe(1);
  expect(again.stdout).toContain('already closed (CANCELLED)');
});

test('list shows conversions; open prints the Temporal UI link', async () => {
  const audioId = uniqueId('cli-list');
  const { conversionId } = await stack.start({ audioId, pollIntervalSeconds: 600 });
  await waitForConversion(stack.client, conversionId);

  const listed = await waitFor('the conversion in the list', async () => {
    const { code, stdout } = await cli(['list', '--status', 'completed', '--limit', '1000', '--json']);
    const page = lastJson(stdout) as { items: Array<{ conversionId: string; phase: string }> };
    return code === 0 && page.items.some((i) => i.conversionId === conversionId) ? page : undefined;
  });
  const table = await cli(['list', '--limit', '5']);
  const open = await cli(['open', conversionId], { TEMPORAL_UI_URL: 'http://ui.example:8233' });
  const badStatus = await cli(['list', '--status', 'done']);

  expect(listed.items.find((i) => i.conversionId === conversionId)?.phase).toBe('completed');
  expect(table.code).toBe(0);
  expect(table.stdout).toContain('provider task');
  expect(open.stdout.trim()).toBe(`http://ui.example:8233/namespaces/default/workflows/${conversionId}`);
  expect(badStatus.code).toBe(2);
});

test('usage errors exit 2, unknown conversions 1, bad configuration 3 naming the variable', async () => {
  const noIds = await cli(['convert']);
  const unknown = await cli(['status', uniqueId('nothing')]);
  const badConfig = await cli(['convert', '--audio-id', 'x'], { PORT: 'abc' });

  expect(noIds.code).toBe(2);
  expect(noIds.stderr).toContain('audioId or taskId is required');
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain('no conversion with id');
  expect(badConfig.code).toBe(3);
  expect(badConfig.stderr).toContain('PORT:');
});
