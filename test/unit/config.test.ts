import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';
import { configTable } from '../../src/config-table';

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
