import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { DYNAMIC_CONFIG_FILE, freePort, freePortBetween, obtainServerBinaries, ServiceProcess, startPostgres, type Postgres, type ServerBinaries } from '../../src/local-servers';
import { setUpSchemas } from '../../src/local-servers';
import { waitUntil } from '../../src/local-servers';
import { bindMounts, composeSecrets, resolvedCompose, type ComposeService } from '../support/compose';
import { lastJson, runCli } from '../support/wavflow-cli';

/**
 * The compose file's Temporal service, run without a container engine: the server binary of the
 * release compose pins, with the image's environment-driven configuration (the module's
 * config/docker.yaml, which the server renders itself) and exactly the environment compose gives
 * the service, against a PostgreSQL of its own set up as compose's schema job does. Only what
 * exists inside compose's network alone is translated (service host names, the database's port,
 * the bind address, the mounted file), so a typo in compose's variables fails here.
 */
jest.setTimeout(180_000);

const projectDir = resolve(__dirname, '../..');
let work: string;
let binaries: ServerBinaries;
let postgres: Postgres | undefined;
let server: ServiceProcess | undefined;
let temporal: ComposeService;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'wavflow-compose-server-'));
  await chmod(work, 0o755);
  binaries = await obtainServerBinaries({ projectDir, log: () => {} });
  temporal = (await resolvedCompose()).services.temporal!;
});
afterAll(async () => {
  await server?.stop(10_000);
  await postgres?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

test("the server starts from compose's environment for its Temporal service, and `wavflow setup` readies it", async () => {
  const environment = temporal.environment ?? {};
  // Inside compose, `postgresql` listens on PostgreSQL's own port with the user and password compose sets.
  postgres = await startPostgres({ dataDir: join(work, 'postgresql'), user: environment.POSTGRES_USER ?? '', password: composeSecrets.POSTGRES_PASSWORD, logFile: join(work, 'postgresql.log'), log: () => {} });
  await setUpSchemas({ sqlTool: binaries.sqlTool, schemaDir: binaries.postgresSchemaDir, host: postgres.host, port: postgres.port, user: postgres.user, password: postgres.password, fresh: true, log: () => {} });

  const frontendPort = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    ...translated(environment, postgres.port),
    // config/docker.yaml reads the visibility store's port from POSTGRES_PORT (its default 5432 is
    // where compose's PostgreSQL listens) where it reads the main store's from DB_PORT.
    ...(environment.POSTGRES_PORT === undefined && environment.VISIBILITY_DB_PORT === undefined ? { POSTGRES_PORT: String(postgres.port) } : {}),
    // The ports the image leaves at their defaults, moved to free ones (a dev server may hold 7233).
    FRONTEND_GRPC_PORT: String(frontendPort),
    FRONTEND_HTTP_PORT: String(await freePort()),
    FRONTEND_MEMBERSHIP_PORT: String(await freePortBetween(20_000, 32_767)),
    MATCHING_GRPC_PORT: String(await freePort()),
    MATCHING_MEMBERSHIP_PORT: String(await freePortBetween(20_000, 32_767)),
    HISTORY_GRPC_PORT: String(await freePort()),
    HISTORY_MEMBERSHIP_PORT: String(await freePortBetween(20_000, 32_767)),
    WORKER_GRPC_PORT: String(await freePort()),
    WORKER_MEMBERSHIP_PORT: String(await freePortBetween(20_000, 32_767)),
  };
  // The image's layout: $TEMPORAL_HOME/config/docker.yaml, started with `--env docker`.
  await mkdir(join(work, 'home', 'config'), { recursive: true });
  await copyFile(binaries.dockerConfigTemplate, join(work, 'home', 'config', 'docker.yaml'));
  server = new ServiceProcess('temporal (compose)', { command: binaries.server, args: ['--root', join(work, 'home'), '--env', 'docker', 'start'], env, logFile: join(work, 'temporal.log'), stopSignal: 'SIGTERM' });
  server.start();
  const running = server;

  await waitUntil(
    'the server to answer',
    async () => {
      const connection = await Connection.connect({ address: `127.0.0.1:${frontendPort}`, connectTimeout: 2_000 });
      try {
        return Boolean((await connection.workflowService.getSystemInfo({})).serverVersion);
      } finally {
        await connection.close();
      }
    },
    { timeoutMs: 90_000, everyMs: 500, failFast: () => !running.running },
  ).catch(async (err: unknown) => {
    throw new Error(`${err instanceof Error ? err.message : String(err)}\nthe server's last lines:\n${(await running.tail(6)).slice(-3_000)}`);
  });
  const setup = await runCli(['setup', '--json'], { TEMPORAL_ADDRESS: `127.0.0.1:${frontendPort}` });

  expect({ code: setup.code, stderr: setup.stderr.split('\n').filter((l) => !l.startsWith('setup |')).join('\n') }).toEqual({ code: 0, stderr: '' });
  expect(lastJson(setup.stdout)).toMatchObject({ namespace: 'default', namespaceCreated: true, searchAttributesAdded: ['WavProviderTaskId', 'WavAudioId', 'WavStatus'] });
  expect(server.running).toBe(true);
});

test("the dynamic configuration compose mounts passes the server's own validation", async () => {
  const mounted = bindMounts(temporal).get(temporal.environment?.DYNAMIC_CONFIG_FILE_PATH ?? '');
  expect(mounted).toBe(resolve(projectDir, DYNAMIC_CONFIG_FILE));
  const result = await new Promise<{ code: number; stdout: string }>((done) =>
    execFile(binaries.server, ['validate-dynamic-config', mounted ?? ''], (error, stdout) => done({ code: error ? Number(error.code ?? 1) : 0, stdout })),
  );
  expect(result).toEqual({ code: 0, stdout: `${mounted}\n` });
});

/**
 * Compose's environment for the service with what only compose's network has replaced: host names
 * of compose's services (in the variables that hold a host) by loopback, PostgreSQL's port inside the network by this one's, the bind
 * address by loopback (nothing here listens beyond it), the mounted file's path by the file.
 */
function translated(environment: Record<string, string>, postgresPort: number): Record<string, string> {
  const hosts = new Set(['postgresql', 'temporal']);
  const mounts = bindMounts(temporal);
  return Object.fromEntries(
    Object.entries(environment).map(([name, value]) => {
      if (/(_SEEDS|_ADDRESS|_HOST)$/.test(name) && hosts.has(value)) return [name, '127.0.0.1'];
      if (name.endsWith('DB_PORT') && value === '5432') return [name, String(postgresPort)];
      if (value === '0.0.0.0') return [name, '127.0.0.1'];
      return [name, mounts.get(value) ?? value];
    }),
  );
}
