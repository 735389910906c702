import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';
import { configTable } from '../../src/config';

test('the README configuration table is the one generated from the schema', () => {
  const readme = readFileSync(resolve(__dirname, '../../README.md'), 'utf8');
  const documented = /<!-- config-table:start -->\n([\s\S]*?)\n<!-- config-table:end -->/.exec(readme)?.[1];
  // On failure: paste the output of `node dist/cli.js config-table` into the README.
  expect(documented).toBe(configTable());
});

test('defaults apply when nothing is set', () => {
  expect(loadConfig({})).toMatchObject({ TEMPORAL_ADDRESS: '127.0.0.1:7233', PORT: 3000, POLL_INTERVAL_SECONDS: 30, SANDBOX_DEMO: true });
});

test('empty values count as unset', () => {
  expect(loadConfig({ PORT: '' }).PORT).toBe(3000);
});

test.each([
  ['PORT', 'abc'],
  ['PORT', '70000'],
  ['POLL_INTERVAL_SECONDS', '-1'],
  ['PROVIDER_VARIANT', 'acme'],
  ['PUBLIC_BASE_URL', 'not a url'],
  ['SANDBOX_DEMO', 'maybe'],
  ['CALLBACK_SECRET', 'short'],
  ['DOWNLOAD_ALLOWED_HOSTS', 'http://files.internal:8080'],
  ['DOWNLOAD_ALLOWED_HOSTS', 'files.internal:8080/path'],
  ['DOWNLOAD_ALLOWED_HOSTS', 'localhost:8090,user@files.internal:8080'],
  ['DOWNLOAD_ALLOWED_HOSTS', 'files.internal:99999'],
])('a bad %s (%s) is refused, naming the variable', (name, value) => {
  expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
  expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^invalid configuration:\\n  ${name}: `));
});

test('production requires CALLBACK_SECRET and API_TOKEN', () => {
  expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/CALLBACK_SECRET: required[\s\S]*API_TOKEN: required/);
  expect(() => loadConfig({ NODE_ENV: 'production', CALLBACK_SECRET: 'a-long-enough-secret' })).toThrow(/API_TOKEN: required/);
  const config = loadConfig({ NODE_ENV: 'production', CALLBACK_SECRET: 'a-long-enough-secret', API_TOKEN: 'a-long-enough-token' });
  expect(config).toMatchObject({ CALLBACK_SECRET: 'a-long-enough-secret', API_TOKEN: 'a-long-enough-token' });
});

test('DOWNLOAD_ALLOWED_HOSTS takes host:port pairs, IPv6 in brackets, and bare hosts', () => {
  expect(loadConfig({ DOWNLOAD_ALLOWED_HOSTS: 'localhost:8090, [::1]:8090,files.internal' }).DOWNLOAD_ALLOWED_HOSTS).toEqual(['localhost:8090', '[::1]:8090', 'files.internal']);
});

describe('the Temporal connection (environment and temporal.toml, as every Temporal tool reads them)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wavflow-config-'));
  const toml = join(dir, 'temporal.toml');
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nnot checked here\n-----END CERTIFICATE-----\n');
  writeFileSync(
    toml,
    ['[profile.default]', 'address = "default.example:7233"', '[profile.cloud]', 'address = "ns.acct.tmprl.cloud:7233"', 'namespace = "ns.acct"', 'api_key = "from-profile"'].join('\n'),
  );
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('without anything set: the local default, in the clear', () => {
    expect(loadConfig({}).temporal).toMatchObject({ address: '127.0.0.1:7233', namespace: 'default', tls: false, connection: { address: '127.0.0.1:7233' } });
  });

  test('a profile gives address, namespace and API key; the key turns TLS on', () => {
    const config = loadConfig({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'cloud' });
    expect(config).toMatchObject({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'ns.acct' });
    expect(config.temporal).toMatchObject({ tls: true, connection: { apiKey: 'from-profile', tls: true } });
  });

  test('the default profile applies without TEMPORAL_PROFILE, and the variables override it', () => {
    expect(loadConfig({ TEMPORAL_CONFIG_FILE: toml }).TEMPORAL_ADDRESS).toBe('default.example:7233');
    const config = loadConfig({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'cloud', TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_API_KEY: 'from-env' });
    expect(config.temporal.connection).toMatchObject({ address: '127.0.0.1:1', apiKey: 'from-env' });
  });

  test('`npm start` reads no profile', () => {
    expect(loadConfig({ TEMPORAL_CONFIG_FILE: toml }, { temporalProfiles: false }).TEMPORAL_ADDRESS).toBe('127.0.0.1:7233');
  });

  test('TEMPORAL_TLS reads like the other switches, and false keeps TLS off even with a key', () => {
    expect(loadConfig({ TEMPORAL_TLS: 'yes' }).temporal.tls).toBe(true);
    expect(loadConfig({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' }).temporal).toMatchObject({ tls: false, connection: { apiKey: 'k', tls: false } });
  });

  test('a CA file is read into the TLS settings', () => {
    const { connection } = loadConfig({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca, TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' }).temporal;
    expect(connection.tls).toMatchObject({ serverNameOverride: 'temporal.internal' });
    expect(Buffer.from((connection.tls as { serverRootCACertificate: Uint8Array }).serverRootCACertificate).toString()).toContain('not checked here');
  });

  test.each([
    [{ TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/nowhere/ca.pem' }, 'TEMPORAL_TLS_SERVER_CA_CERT_PATH: cannot read /nowhere/ca.pem (ENOENT)'],
    [{ TEMPORAL_TLS_CLIENT_CERT_PATH: ca }, 'TEMPORAL_TLS_CLIENT_CERT_PATH is set but TEMPORAL_TLS_CLIENT_KEY_PATH is not'],
    [{ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'nope' }, `TEMPORAL_PROFILE=nope: no such profile in ${toml}`],
  ])('a bad connection setting is refused, naming it (%o)', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
