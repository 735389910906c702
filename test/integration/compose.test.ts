import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEV_SERVER_DYNAMIC_CONFIG } from '../../src/local-servers';
import { DYNAMIC_CONFIG_FILE, TEMPORAL_SERVER_VERSION, TEMPORAL_UI_VERSION } from '../../src/local-servers';
import { bindMounts, compose, composeSecrets as secrets, projectRoot as root, resolvedCompose } from '../support/compose';

/**
 * The production compose file, validated by Debian's docker-compose (installed by npm test's first
 * step, test/support/debian-tools.js): no
 * container engine runs here, so `config` is as far as compose takes it. That the Temporal
 * service's environment makes a working server is shown by test/cluster/compose-server.test.ts
 * (`npm run test:cluster`), which runs the server binary with it.
 */

test('the compose file is valid and has the whole stack', async () => {
  const valid = await compose(['config', '-q'], secrets);
  const services = await compose(['config', '--services'], secrets);

  expect(valid).toMatchObject({ code: 0 });
  expect(services.stdout.trim().split('\n').sort()).toEqual(
    ['api', 'postgresql', 'prometheus', 'temporal', 'temporal-schema', 'temporal-setup', 'temporal-ui', 'worker'].sort(),
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

test('Temporal is the release the cluster harness runs, with the UI that goes with it', async () => {
  const { services } = await resolvedCompose();

  expect(services.temporal?.image).toBe(`temporalio/server:${TEMPORAL_SERVER_VERSION}`);
  expect(services['temporal-schema']?.image).toBe(`temporalio/admin-tools:${TEMPORAL_SERVER_VERSION}`);
  expect(services['temporal-ui']?.image).toBe(`temporalio/ui:${TEMPORAL_UI_VERSION}`);
});

test('the namespace is readied by `wavflow setup`, before any worker or API starts', async () => {
  const { services } = await resolvedCompose();
  const setup = services['temporal-setup'];

  expect(setup).toMatchObject({ image: 'wavflow:latest', environment: { TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'default' } });
  expect(setup?.command?.[0]).toBe('setup');
  expect(setup?.depends_on).toEqual({ temporal: { condition: 'service_healthy' } });
  for (const name of ['worker', 'api']) expect(services[name]?.depends_on?.['temporal-setup']).toEqual({ condition: 'service_completed_successfully' });
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

test('the Temporal server reads the dynamic configuration the harness runs with, which has the dev server\'s task-dispatch setting', async () => {
  const { services } = await resolvedCompose();
  const temporal = services.temporal!;
  const dynamicConfig = readFileSync(resolve(root, DYNAMIC_CONFIG_FILE), 'utf8');

  expect(bindMounts(temporal).get(temporal.environment?.DYNAMIC_CONFIG_FILE_PATH ?? '')).toBe(resolve(root, DYNAMIC_CONFIG_FILE));
  for (const [key, value] of Object.entries(DEV_SERVER_DYNAMIC_CONFIG)) expect(dynamicConfig).toMatch(new RegExp(`^${key.replace(/\./g, '\\.')}:\\n  - value: ${String(value)}$`, 'm'));
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
  for (const service of ['worker', 'postgresql', 'temporal-schema', 'temporal-setup']) expect(ports[service]).toBeUndefined();
});
