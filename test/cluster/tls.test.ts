import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { createCertificateAuthority, startReadyCluster, type CertificateAuthority, type CertificateFiles, type TemporalCluster } from '../../src/local-servers';
import { convertThroughCli } from '../support/cli-conversion';
import { lastJson, runCli, startCli } from '../support/wavflow-cli';

/**
 * wavflow against a Temporal frontend that speaks only TLS, then one that also requires client
 * certificates (mTLS): each a cluster of the harness, started bare (no namespace), its certificates
 * from a CA made here. Everything is configured the way an operator configures wavflow for such a
 * cluster: the TEMPORAL_TLS_* variables, read through @temporalio/envconfig.
 */
jest.setTimeout(240_000);

const projectDir = resolve(__dirname, '../..');
let work: string;
let ca: CertificateAuthority;
let otherCa: CertificateAuthority;
let frontendCert: CertificateFiles;
let clientCert: CertificateFiles;
let strangerCert: CertificateFiles;
let sandbox: Sandbox;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'wavflow-tls-'));
  await chmod(work, 0o755);
  ca = await createCertificateAuthority(join(work, 'ca'), 'wavflow-test');
  otherCa = await createCertificateAuthority(join(work, 'other-ca'), 'someone-else');
  frontendCert = await ca.issue('frontend');
  clientCert = await ca.issue('wavflow-client', {});
  strangerCert = await otherCa.issue('stranger', {});
  sandbox = await startSandbox({ apiKey: 'tls-sandbox', variant: 'sunoapi', conversionDelayMs: 100, wavSeconds: 0.25, timeScale: 0.001 });
});
afterAll(async () => {
  await sandbox?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** A cluster of the harness with TLS on its frontend, for one describe block. */
function tlsCluster(mutual: boolean) {
  const state: { cluster?: TemporalCluster } = {};
  beforeAll(async () => {
    const dir = join(work, mutual ? 'mtls-cluster' : 'tls-cluster');
    const tls = { server: frontendCert, caCert: ca.cert, serverName: 'localhost', ...(mutual ? { mutual: { clientCaCert: ca.cert, client: clientCert } } : {}) };
    state.cluster = (await startReadyCluster({ projectDir, dir, historyNodes: 1, tls, log: () => {} })).cluster;
  });
  afterAll(async () => {
    await state.cluster?.stop();
  });
  return () => {
    if (!state.cluster) throw new Error('the cluster did not start');
    return state.cluster;
  };
}

describe('a frontend with TLS', () => {
  const cluster = tlsCluster(false);
  const tlsEnv = () => ({ TEMPORAL_ADDRESS: cluster().address, TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca.cert, TEMPORAL_TLS_SERVER_NAME: 'localhost' });

  test('wavflow setup readies the bare cluster, and a second run changes nothing', async () => {
    const first = await runCli(['setup', '--json'], tlsEnv());
    const second = await runCli(['setup', '--json'], tlsEnv());

    expect({ code: first.code, stderr: first.stderr }).toMatchObject({ code: 0 });
    expect(lastJson(first.stdout)).toEqual({
      namespace: 'default',
      namespaceCreated: true,
      searchAttributesAdded: ['WavProviderTaskId', 'WavAudioId', 'WavStatus'],
      searchAttributes: ['WavProviderTaskId', 'WavAudioId', 'WavStatus'],
    });
    expect(second.code).toBe(0);
    expect(lastJson(second.stdout)).toMatchObject({ namespaceCreated: false, searchAttributesAdded: [] });
  });

  test('the worker, the API and the CLI complete a conversion over TLS', async () => {
    await convertThroughCli(sandbox, work, tlsEnv());
  });

  test("the cluster's UI reaches the frontend over TLS", async () => {
    const answer = await fetch(`${cluster().uiUrl}/api/v1/namespaces`);
    expect(answer.status).toBe(200);
    expect(JSON.stringify(await answer.json())).toContain('"default"');
  });

  test('a CA that did not sign the frontend certificate fails with an error naming the setting', async () => {
    const env = { ...tlsEnv(), TEMPORAL_TLS_SERVER_CA_CERT_PATH: otherCa.cert };
    const list = await runCli(['list'], env);
    const worker = startCli('worker', { ...env, WORKER_METRICS_PORT: '0' });
    const workerCode = await worker.exited;

    expect(list.code).toBe(1);
    expect(list.stderr).toContain('TLS handshake failed: its certificate is not signed by a CA wavflow trusts (TEMPORAL_TLS_SERVER_CA_CERT_PATH)');
    // The worker does not retry what only a setting can fix.
    expect(workerCode).toBe(1);
    expect(worker.text.join('\n')).toContain('TEMPORAL_TLS_SERVER_CA_CERT_PATH');
  });

  test('a CA file that cannot be read is named before connecting', async () => {
    const missing = join(work, 'no-such-ca.pem');
    const list = await runCli(['list'], { ...tlsEnv(), TEMPORAL_TLS_SERVER_CA_CERT_PATH: missing });
    expect(list.code).toBe(3);
    expect(list.stderr).toContain(`TEMPORAL_TLS_SERVER_CA_CERT_PATH: cannot read ${missing} (ENOENT)`);
  });
});

describe('a frontend that requires client certificates (mTLS)', () => {
  const cluster = tlsCluster(true);
  const mtlsEnv = () => ({
    TEMPORAL_ADDRESS: cluster().address,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca.cert,
    TEMPORAL_TLS_SERVER_NAME: 'localhost',
    TEMPORAL_TLS_CLIENT_CERT_PATH: clientCert.cert,
    TEMPORAL_TLS_CLIENT_KEY_PATH: clientCert.key,
  });

  test('setup, then a conversion through the worker, the API and the CLI, each presenting its certificate', async () => {
    const setup = await runCli(['setup', '--json'], mtlsEnv());
    expect(setup.code).toBe(0);
    expect(lastJson(setup.stdout)).toMatchObject({ namespaceCreated: true });
    await convertThroughCli(sandbox, work, mtlsEnv());
  });

  test('the certificate and key can be given as PEM text instead of files', async () => {
    const env = { ...mtlsEnv(), TEMPORAL_TLS_CLIENT_CERT_PATH: '', TEMPORAL_TLS_CLIENT_KEY_PATH: '' };
    const list = await runCli(['list', '--json'], { ...env, TEMPORAL_TLS_CLIENT_CERT_DATA: await readFile(clientCert.cert, 'utf8'), TEMPORAL_TLS_CLIENT_KEY_DATA: await readFile(clientCert.key, 'utf8') });
    expect({ code: list.code, stderr: list.stderr }).toEqual({ code: 0, stderr: '' });
  });

  test('without a client certificate the error names the settings to set', async () => {
    const list = await runCli(['list'], { ...mtlsEnv(), TEMPORAL_TLS_CLIENT_CERT_PATH: '', TEMPORAL_TLS_CLIENT_KEY_PATH: '' });
    expect(list.code).toBe(1);
    expect(list.stderr).toContain('requires a client certificate (mTLS): set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH');
  });

  test('a client certificate from another CA is refused', async () => {
    const list = await runCli(['list'], { ...mtlsEnv(), TEMPORAL_TLS_CLIENT_CERT_PATH: strangerCert.cert, TEMPORAL_TLS_CLIENT_KEY_PATH: strangerCert.key });
    expect(list.code).toBe(1);
    expect(list.stderr).toContain("refused wavflow's client certificate (TEMPORAL_TLS_CLIENT_CERT_PATH): it is not signed by a CA the frontend trusts");
  });
});
