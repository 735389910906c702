import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEV_SERVER_DYNAMIC_CONFIG } from '../../src/temporal/dev-server';
import { searchAttributeNames } from '../../src/workflows';

/**
 * The production compose file, validated by Debian's docker-compose (installed by npm test's first step, test/support/debian-tools.js): no
 * container engine runs here, so `config` is as far as a test can take it.
 */
const root = resolve(__dirname, '../..');
// Not the developer's .env: only what each test passes counts.
const emptyEnvFile = join(tmpdir(), `wavflow-empty-${process.pid}.env`);
beforeAll(() => writeFileSync(emptyEnvFile, ''));
afterAll(() => rmSync(emptyEnvFile, { force: true }));
const secrets = {
  POSTGRES_PASSWORD: 'pg-password',
  CALLBACK_SECRET: 'callback-secret-0123456789',
  API_TOKEN: 'api-token-0123456789',
  PUBLIC_BASE_URL: 'https://wavflow.example.com',
  PROVIDER_BASE_URL: 'https://api.kie.ai',
  PROVIDER_API_KEY: 'key',
};

function compose(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  if (!existsSync('/usr/bin/docker-compose')) throw new Error('docker-compose is missing: npm test installs it (as root), or `apt-get install docker-compose`');
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !(k in secrets))) as Record<string, string>;
  return new Promise((done) =>
    execFile('/usr/bin/docker-compose', ['--project-directory', root, '--env-file', emptyEnvFile, '-f', resolve(root, 'docker-compose.yml'), ...args], { env: { ...clean, ...env } }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

test('the compose file is valid and has the whole stack', async () => {
  const valid = await compose(['config', '-q'], secrets);
  const services = await compose(['config', '--services'], secrets);

  expect(valid).toMatchObject({ code: 0 });
  expect(services.stdout.trim().split('\n').sort()).toEqual(
    ['api', 'postgresql', 'prometheus', 'temporal', 'temporal-schema', 'temporal-search-attributes', 'temporal-ui', 'worker'].sort(),
  );
});

test('no secret has a default: a missing one stops compose, naming it', async () => {
  for (const name of Object.keys(secrets)) {
    const rest = Object.fromEntries(Object.entries(secrets).filter(([key]) => key !== name));
    const result = await compose(['config', '-q'], rest);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(name);
  }
});

test('the search attributes registered by the stack are the workflow\'s', () => {
  const file = readFileSync(resolve(root, 'docker-compose.yml'), 'utf8');
  expect(file).toContain(`for name in ${searchAttributeNames.join(' ')}; do`);
});

test('Prometheus scrapes each worker replica on the port the worker serves its metrics on', async () => {
  const resolved = await compose(['config'], secrets);
  const prometheus = readFileSync(resolve(root, 'deploy/prometheus.yml'), 'utf8');

  const port = /WORKER_METRICS_PORT: '?"?(\d+)/.exec(resolved.stdout)?.[1];
  expect(port).toBeDefined();
  expect(resolved.stdout).toContain('WORKER_METRICS_HOST: 0.0.0.0');
  expect(prometheus).toMatch(new RegExp(`names: \\[worker\\]\\s+type: A\\s+port: ${port}\\b`));
  expect(resolved.stdout).toContain(`http://127.0.0.1:${port}/healthz`);
});

test('the Temporal server gets the same task-dispatch setting as the dev server', async () => {
  const resolved = await compose(['config'], secrets);
  const dynamicConfig = readFileSync(resolve(root, 'deploy/temporal-dynamic-config.yaml'), 'utf8');

  expect(resolved.stdout).toContain('DYNAMIC_CONFIG_FILE_PATH: /etc/temporal/config/dynamicconfig/wavflow.yaml');
  expect(resolved.stdout).toMatch(/deploy\/temporal-dynamic-config\.yaml:\/etc\/temporal\/config\/dynamicconfig\/wavflow\.yaml:ro|target: \/etc\/temporal\/config\/dynamicconfig\/wavflow\.yaml/);
  for (const key of Object.keys(DEV_SERVER_DYNAMIC_CONFIG)) expect(dynamicConfig).toMatch(new RegExp(`^${key.replace(/\./g, '\\.')}:\\n  - value: \\d+`, 'm'));
});

/** Each service's published ports, as `docker-compose config` resolves them (`host_ip:published:target/proto` or long form). */
function publishedPorts(resolved: string): Record<string, string[]> {
  const ports: Record<string, string[]> = {};
  let section = '';
  let service = '';
  let inPorts = false;
  for (const line of resolved.split('\n')) {
    if (/^\S/.test(line)) section = line;
    if (section !== 'services:') continue;
    const name = /^ {2}([\w-]+):$/.exec(line)?.[1];
    if (name) [service, inPorts] = [name, false];
    else if (/^ {4}ports:$/.test(line)) inPorts = true;
    else if (inPorts && /^ {4}- /.test(line)) (ports[service] ??= []).push(line.slice(6));
    else if (/^ {4}\S/.test(line)) inPorts = false;
    else if (inPorts && /^ {6}\S/.test(line)) (ports[service] ??= [])[ports[service]!.length - 1] += ` ${line.trim()}`;
  }
  return ports;
}

test("Temporal's frontend, its UI and Prometheus are published on loopback only; only the API on every interface", async () => {
  const resolved = await compose(['--profile', 'metrics', 'config'], secrets);
  const ports = publishedPorts(resolved.stdout);

  expect(ports.temporal).toEqual(['127.0.0.1:7233:7233/tcp']);
  expect(ports['temporal-ui']).toEqual(['127.0.0.1:8233:8080/tcp']);
  expect(ports.prometheus).toEqual(['127.0.0.1:9090:9090/tcp']);
  // The API has its own doors (bearer token, signed callback URLs) and must be reachable by the provider.
  const everyInterface = Object.entries(ports).filter(([, list]) => list.some((p) => !p.startsWith('127.0.0.1:')));
  expect(everyInterface.map(([name]) => name)).toEqual(['api']);
  for (const service of ['worker', 'postgresql', 'temporal-schema', 'temporal-search-attributes']) expect(ports[service]).toBeUndefined();
});
