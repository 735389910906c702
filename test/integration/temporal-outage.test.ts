import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { getConversion, waitForConversion } from '../../src/conversions';
import { freePort, obtainTemporalCli, startDevServer, type DevServer } from '../../src/local-servers';
import { startStack, uniqueId, type TestStack } from '../support/stack';
import { waitFor } from '../support/wait-for';

/**
 * Temporal goes away while the provider delivers its callback: the receiver answers 503, the
 * provider retries on its schedule (time-scaled), and the retry lands once Temporal is back.
 */
jest.setTimeout(120_000);

let dir: string;
let cliPath: string;
let port: number;
let temporal: DevServer | undefined;
let stack: TestStack | undefined;

const start = () => startDevServer({ cliPath, port, uiPort: null, dbFile: join(dir, 'temporal.db'), namespace: 'default', log: () => {} });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wavflow-outage-'));
  cliPath = await obtainTemporalCli({ projectDir: resolve(__dirname, '../..'), explicitPath: process.env.TEMPORAL_CLI_PATH, log: () => {} });
  port = await freePort();
  temporal = await start();
  // The provider's first retry comes 60 s x 0.05 = 3 s after the refused delivery.
  stack = await startStack({ timeScale: 0.05 }, {}, { temporalAddress: temporal.address });
});
afterAll(async () => {
  await stack?.stop();
  await temporal?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('a callback refused with 503 during an outage is delivered by the provider\'s retry', async () => {
  const s = stack as TestStack;
  const audioId = uniqueId('outage');
  s.sandbox.setScenario(audioId, { conversionDelayMs: 1_500 });
  const { conversionId } = await s.start({ audioId, pollIntervalSeconds: 600 });
  const wavTaskId = await waitFor('submit', async () => (await getConversion(s.client, conversionId))?.wavTaskId);

  await temporal?.stop();
  const refused = await waitFor('the first delivery', () => s.sandbox.callbacks.attempts.find((a) => a.wavTaskId === wavTaskId), 20_000);
  expect(refused.outcome).toBe(503);
  const readyz = await fetch(`${s.server.url}/readyz`);
  expect(readyz.status).toBe(503);
  temporal = await start();

  const result = await waitForConversion(s.client, conversionId);
  const attempts = s.sandbox.callbacks.attempts.filter((a) => a.wavTaskId === wavTaskId);
  expect(attempts.at(-1)).toMatchObject({ outcome: 200 });
  expect(attempts.length).toBeGreaterThanOrEqual(2);
  expect(result.answeredBy).toBe('callback');
  expect(result.sha256).toBe(s.sandbox.task(wavTaskId)?.file?.sha256);
});
