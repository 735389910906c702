import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { createCertificateAuthority, type CertificateAuthority } from '../../src/local-servers';
import { startApiKeyGateway, type ApiKeyGateway } from '../support/api-key-gateway';
import { convertThroughCli } from '../support/cli-conversion';
import { lastJson, runCli } from '../support/wavflow-cli';

/**
 * Temporal Cloud's way in: an API key, sent as `authorization: Bearer <key>` on every call, over
 * TLS. A gateway in front of the suite's cluster plays Cloud's front door (TLS only, refuses any
 * call without the key) and records what each wavflow process sent.
 */
const API_KEY = 'wavflow-test-api-key-0123456789';

let work: string;
let ca: CertificateAuthority;
let gateway: ApiKeyGateway;
let sandbox: Sandbox;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'wavflow-api-key-'));
  await chmod(work, 0o755);
  ca = await createCertificateAuthority(join(work, 'ca'), 'cloud-like');
  gateway = await startApiKeyGateway({ certificate: await ca.issue('gateway'), apiKey: API_KEY, upstream: process.env.WAVFLOW_TEST_TEMPORAL_ADDRESS as string });
  sandbox = await startSandbox({ apiKey: 'api-key-sandbox', variant: 'sunoapi', conversionDelayMs: 100, wavSeconds: 0.25, timeScale: 0.001 });
});
afterAll(async () => {
  await sandbox?.close();
  await gateway?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

const cloudEnv = () => ({ TEMPORAL_ADDRESS: gateway.address, TEMPORAL_API_KEY: API_KEY, TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca.cert, TEMPORAL_TLS_SERVER_NAME: 'localhost' });

test('the worker, the API and the CLI send the key as a bearer token on every call, over TLS, and a conversion completes', async () => {
  const before = gateway.calls.length;
  await convertThroughCli(sandbox, work, cloudEnv());

  const calls = gateway.calls.slice(before);
  expect(calls.filter((c) => !c.accepted)).toEqual([]);
  expect(new Set(calls.map((c) => c.authorization))).toEqual(new Set([`Bearer ${API_KEY}`]));
  // Both SDK stacks: the worker's Rust core (tonic) polling, the clients' grpc-js starting and signalling.
  const paths = (agent: RegExp) => new Set(calls.filter((c) => agent.test(c.userAgent ?? '')).map((c) => c.path.split('/').at(-1)));
  expect([...paths(/^tonic\//)]).toEqual(expect.arrayContaining(['PollWorkflowTaskQueue', 'RespondWorkflowTaskCompleted']));
  expect([...paths(/^grpc-node-js\//)]).toEqual(expect.arrayContaining(['StartWorkflowExecution', 'SignalWorkflowExecution']));
});

test('a wrong key is refused, and the error says so', async () => {
  const list = await runCli(['list'], { ...cloudEnv(), TEMPORAL_API_KEY: 'not-the-key' });
  expect(list.code).toBe(1);
  expect(list.stderr).toMatch(/refused the API key \(TEMPORAL_API_KEY\): .*UNAUTHENTICATED: Request unauthorized/);
  expect(gateway.calls.at(-1)).toMatchObject({ authorization: 'Bearer not-the-key', accepted: false });
});

test('a temporal.toml profile supplies the address, namespace, key and CA', async () => {
  const file = join(work, 'temporal.toml');
  await writeFile(
    file,
    [
      '[profile.cloud]',
      `address = "${gateway.address}"`,
      'namespace = "default"',
      `api_key = "${API_KEY}"`,
      '[profile.cloud.tls]',
      `server_ca_cert_path = "${ca.cert}"`,
      'server_name = "localhost"',
    ].join('\n'),
  );
  const before = gateway.calls.length;
  const setup = await runCli(['setup', '--json'], { TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cloud' });
  const missing = await runCli(['list'], { TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'staging' });

  expect({ code: setup.code, stderr: setup.stderr }).toEqual({ code: 0, stderr: '' });
  expect(lastJson(setup.stdout)).toMatchObject({ namespace: 'default', namespaceCreated: false, searchAttributesAdded: [] });
  expect(gateway.calls.length).toBeGreaterThan(before);
  expect(gateway.calls.slice(before).every((c) => c.accepted)).toBe(true);
  expect(missing.code).toBe(3);
  expect(missing.stderr).toContain(`TEMPORAL_PROFILE=staging: no such profile in ${file}`);
});
