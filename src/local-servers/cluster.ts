import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConnectionOptions } from '@temporalio/client';
import { freePort, freePortBetween, isListening } from './ports';
import { startPostgres, type Postgres } from './postgres';
import { setUpSchemas } from './schema';
import type { ServerBinaries } from './server-binaries';
import { ServiceProcess } from './service-process';
import type { CertificateFiles } from './tls-material';
import { waitUntil } from './wait-until';
import { openConnection } from '../temporal';

/** TLS on the frontend (the only port clients reach); the services talk to each other in the clear, on loopback. */
export interface ClusterTls {
  /** The frontend's certificate, for `serverName`. */
  server: CertificateFiles;
  /** The CA that signed it: the cluster's own clients (system worker, UI, the harness) trust it. */
  caCert: string;
  serverName: string;
  /** mTLS: every client must present a certificate signed by `clientCaCert`; the cluster's own clients present `client`. */
  mutual?: { clientCaCert: string; client: CertificateFiles };
}

export interface ClusterOptions {
  binaries: ServerBinaries;
  /** The cluster's state: PostgreSQL's data, the services' configuration and logs. Kept between runs. */
  dir: string;
  /** The project's dynamic configuration (deploy/temporal-dynamic-config.yaml). */
  dynamicConfigFile: string;
  /** Default: a free port. */
  frontendPort?: number;
  /** The Temporal UI's port (default: a free one); null for no UI. */
  uiPort?: number | null;
  /** Default 2. */
  historyNodes?: number;
  /** Default 4. Fixed once a database has been used. */
  historyShards?: number;
  tls?: ClusterTls;
  /** The Temporal services' log level (their logs go to `<dir>/logs`). Default `warn`. */
  logLevel?: string;
  log: (message: string) => void;
}

/** The Temporal services of the cluster, one process each. */
export type ServiceName = 'frontend' | 'matching' | 'worker' | `history-${number}`;

export interface TemporalCluster {
  /** The frontend, host:port. */
  address: string;
  /** The Temporal UI, when it runs. */
  uiUrl: string | undefined;
  postgres: Postgres;
  /** Every Temporal service process, by name. */
  services: Map<ServiceName, ServiceProcess>;
  historyNodes: ServiceProcess[];
  ui: ServiceProcess | undefined;
  logDir: string;
  /** What a client needs to reach the frontend (TLS included). */
  connectionOptions(): Promise<ConnectionOptions>;
  /** Waits until the frontend serves and history (every shard) and matching answer through it. */
  waitReady(timeoutMs?: number): Promise<void>;
  /** Whether every history shard answers now, through the frontend (after a node's death: whether its shards have moved). */
  servesAllShards(): Promise<boolean>;
  /** How many history shards each history node owns, by the shard records in the database (the last node to acquire a shard). */
  shardOwners(): Promise<Map<ServiceProcess, number>>;
  /** Starts every Temporal service that is not running (after a kill), and waits until the cluster is ready. */
  startServices(): Promise<void>;
  /** SIGKILL to every Temporal service at once. */
  killServices(): Promise<void>;
  /** Unexpected exits of any of the cluster's processes (each was started again). */
  crashes(): string[];
  stop(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';
/** PostgreSQL's superuser for the cluster: the same name the compose file defaults to. */
const DB_USER = 'temporal';

/**
 * A production-shaped Temporal cluster on this machine: its own PostgreSQL (both schemas set up by
 * Temporal's SQL tool), then frontend, matching, the worker service and N history nodes as separate
 * processes that find each other through membership on loopback, and the Temporal UI. Everything
 * listens on 127.0.0.1. `stop()` stops every process it started.
 */
export async function startCluster(options: ClusterOptions): Promise<TemporalCluster> {
  const { binaries, log } = options;
  const logDir = join(options.dir, 'logs');
  const configRoot = join(options.dir, 'config');
  await mkdir(logDir, { recursive: true });
  const stopped: Array<() => Promise<unknown>> = [];
  const stopAll = async () => {
    for (const step of stopped.splice(0).reverse()) await step().catch((err: unknown) => log(`while stopping: ${String(err)}`));
  };

  try {
    const password = await databasePassword(options.dir);
    const postgres = await startPostgres({ dataDir: join(options.dir, 'postgresql'), user: DB_USER, password, logFile: join(logDir, 'postgresql.log'), log });
    stopped.push(() => postgres.stop());
    await setUpSchemas({ sqlTool: binaries.sqlTool, schemaDir: binaries.postgresSchemaDir, host: postgres.host, port: postgres.port, user: DB_USER, password, fresh: postgres.created, log });

    const frontendPort = options.frontendPort ?? (await freePort());
    const address = `${LOOPBACK}:${frontendPort}`;
    const names: ServiceName[] = ['frontend', 'matching', 'worker', ...Array.from({ length: options.historyNodes ?? 2 }, (_, i) => `history-${i + 1}` as const)];
    const services = new Map<ServiceName, ServiceProcess>();
    const portsOf = new Map<ServiceName, ServicePorts>();
    for (const name of names) {
      // The membership table stores the membership port as a SMALLINT: it must be below 32768.
      portsOf.set(name, { grpcPort: name === 'frontend' ? frontendPort : await freePort(), membershipPort: await freePortBetween(20_000, 32_767), ...(name === 'frontend' ? { httpPort: await freePort() } : {}) });
    }
    for (const name of names) {
      const role = roleOf(name);
      // Every process lists every service (membership tracks those it knows of); its own role's entry is its own ports.
      const ports = Object.fromEntries([...portsOf].map(([other, p]) => [roleOf(other), p]));
      ports[role] = portsOf.get(name)!;
      const root = join(configRoot, name);
      await mkdir(join(root, 'config'), { recursive: true });
      const config = serverConfig({ ...options, postgres, password, ports, frontendPort });
      // JSON is YAML: the server reads this file as its configuration (`--env cluster`).
      await writeFile(join(root, 'config', 'cluster.yaml'), `${JSON.stringify(config, null, 2)}\n`);
      services.set(
        name,
        new ServiceProcess(name, {
          command: binaries.server,
          args: ['--root', root, '--config', 'config', '--env', 'cluster', '--allow-no-auth', 'start', '--service', role],
          logFile: join(logDir, `${name}.log`),
          stopSignal: 'SIGTERM',
        }),
      );
    }

    const connectionOptions = async (): Promise<ConnectionOptions> => ({ address, ...(options.tls ? { tls: await clientTls(options.tls) } : {}) });
    const crashes: string[] = [];
    let supervising = false;
    for (const service of services.values()) {
      // As a supervisor would (compose's restart policy, systemd, Kubernetes): a service that
      // exits on its own once the cluster has been up is started again, and the exit is counted.
      service.onCrash = (description) => {
        crashes.push(description);
        log(`${description}; see ${join(logDir, `${service.name}.log`)}`);
        if (supervising) setTimeout(() => !service.running && supervising && service.start(), 1_000);
      };
    }
    stopped.push(async () => {
      supervising = false;
      await Promise.all([...services.values()].map((s) => s.stop(10_000)));
    });

    const waitReady = async (timeoutMs = 180_000) => {
      const connection = await connectionOptions();
      // Membership ports: the worker service serves no gRPC.
      await waitUntil('the Temporal services to join membership', async () => (await Promise.all(names.map((n) => isListening(LOOPBACK, portsOf.get(n)!.membershipPort)))).every(Boolean), {
        timeoutMs,
        failFast: () => [...services.values()].some((s) => !s.running),
      });
      await waitUntil('the frontend to reach history and matching', () => answers(connection), { timeoutMs, everyMs: 500, failFast: () => !services.get('frontend')?.running });
    };
    log(`starting Temporal ${binaries.version}: ${names.join(', ')} (logs in ${logDir})`);
    try {
      // One first: on a fresh database the first process to start writes the cluster's metadata,
      // and two at once collide on it (one exits).
      const frontend = services.get('frontend')!;
      frontend.start();
      await waitUntil('the frontend to listen', () => isListening(LOOPBACK, frontendPort), { timeoutMs: 120_000, failFast: () => !frontend.running });
      for (const service of services.values()) if (!service.running) service.start();
      await waitReady();
    } catch (err) {
      const tails = await Promise.all([...services.values()].map(async (s) => `--- ${s.name}:\n${(await s.tail(4)).split('\n').map((line) => line.slice(0, 400)).join('\n')}`));
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n${tails.join('\n')}`);
    }
    supervising = true;

    let ui: ServiceProcess | undefined;
    let uiUrl: string | undefined;
    if (options.uiPort !== null) {
      const uiPort = options.uiPort ?? (await freePort());
      uiUrl = `http://${LOOPBACK}:${uiPort}`;
      ui = await startUi(binaries.uiServer, join(configRoot, 'ui'), join(logDir, 'ui.log'), address, uiPort, options.tls);
      const running = ui;
      stopped.push(() => running.stop(5_000));
      const url = uiUrl;
      await waitUntil(`the Temporal UI on ${url}`, async () => (await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok, {
        timeoutMs: 60_000,
        failFast: () => !running.running,
      });
    }
    log(`Temporal frontend on ${address}${options.tls ? ` (TLS${options.tls.mutual ? ', client certificates required' : ''})` : ''}${uiUrl ? `, UI on ${uiUrl}` : ''}`);

    return {
      address,
      uiUrl,
      postgres,
      services,
      historyNodes: [...services.entries()].filter(([name]) => name.startsWith('history-')).map(([, s]) => s),
      ui,
      logDir,
      connectionOptions,
      waitReady,
      servesAllShards: async () => answers(await connectionOptions()).catch(() => false),
      shardOwners: async () => {
        // A shard's record names its owner as "<broadcast address>:<gRPC port>-<shard>-<uuid>".
        const rows = await postgres.query('temporal', "select encode(data, 'escape') from shards");
        const owners = new Map<ServiceProcess, number>();
        for (const name of names.filter((n) => n.startsWith('history-'))) {
          const identity = `${LOOPBACK}:${portsOf.get(name)!.grpcPort}-`;
          owners.set(services.get(name)!, rows.filter((row) => row.includes(identity)).length);
        }
        return owners;
      },
      startServices: async () => {
        for (const service of services.values()) if (!service.running) service.start();
        await waitReady();
      },
      killServices: async () => {
        await Promise.all([...services.values()].map((s) => s.kill('SIGKILL')));
      },
      crashes: () => [...crashes, ...postgres.process.crashes, ...(ui?.crashes ?? [])],
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

interface ServicePorts {
  grpcPort: number;
  membershipPort: number;
  httpPort?: number;
}

const roleOf = (name: ServiceName) => (name.startsWith('history-') ? 'history' : name);

interface ConfigInput extends ClusterOptions {
  postgres: Postgres;
  password: string;
  /** Per role; this process's own role has its own ports. */
  ports: Record<string, ServicePorts>;
  frontendPort: number;
}

/** One service's configuration: the release's development-postgres12.yaml, reduced to what differs per process. */
function serverConfig({ postgres, password, ports, frontendPort, tls, historyShards, dynamicConfigFile, logLevel }: ConfigInput) {
  const sql = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${postgres.host}:${postgres.port}`,
      connectProtocol: 'tcp',
      user: DB_USER,
      password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  return {
    log: { stdout: true, level: logLevel ?? 'warn' },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: historyShards ?? 4,
      datastores: { default: sql('temporal', 20), visibility: sql('temporal_visibility', 10) },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: LOOPBACK },
      ...(tls
        ? {
            tls: {
              frontend: {
                server: {
                  certFile: tls.server.cert,
                  keyFile: tls.server.key,
                  requireClientAuth: Boolean(tls.mutual),
                  ...(tls.mutual ? { clientCaFiles: [tls.mutual.clientCaCert] } : {}),
                },
              },
              // How the services reach the frontend themselves (the worker service's system workflows).
              systemWorker: {
                ...(tls.mutual ? { certFile: tls.mutual.client.cert, keyFile: tls.mutual.client.key } : {}),
                client: { serverName: tls.serverName, rootCaFiles: [tls.caCert] },
              },
            },
          }
        : {}),
    },
    services: Object.fromEntries(Object.entries(ports).map(([role, p]) => [role, { rpc: { ...p, bindOnIP: LOOPBACK } }])),
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `${LOOPBACK}:${frontendPort}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: dynamicConfigFile, pollInterval: '10s' },
  };
}

async function startUi(binary: string, root: string, logFile: string, address: string, port: number, tls: ClusterTls | undefined): Promise<ServiceProcess> {
  await mkdir(join(root, 'config'), { recursive: true });
  const config = {
    temporalGrpcAddress: address,
    host: LOOPBACK,
    port,
    enableUi: true,
    defaultNamespace: 'default',
    notifyOnNewVersion: false,
    refreshInterval: '1m',
    // Plain HTTP on loopback: the CSRF cookie cannot be a Secure one.
    cors: { cookieInsecure: true, allowOrigins: [`http://${LOOPBACK}:${port}`] },
    ...(tls
      ? {
          tls: {
            caFile: tls.caCert,
            serverName: tls.serverName,
            enableHostVerification: true,
            ...(tls.mutual ? { certFile: tls.mutual.client.cert, keyFile: tls.mutual.client.key } : {}),
          },
        }
      : {}),
  };
  await writeFile(join(root, 'config', 'development.yaml'), `${JSON.stringify(config, null, 2)}\n`);
  const ui = new ServiceProcess('ui', { command: binary, args: ['--root', root, '--config', 'config', '--env', 'development', 'start'], logFile, stopSignal: 'SIGTERM' });
  ui.start();
  return ui;
}

async function clientTls(tls: ClusterTls): Promise<NonNullable<ConnectionOptions['tls']>> {
  return {
    serverNameOverride: tls.serverName,
    serverRootCACertificate: await readFile(tls.caCert),
    ...(tls.mutual ? { clientCertPair: { crt: await readFile(tls.mutual.client.cert), key: await readFile(tls.mutual.client.key) } } : {}),
  };
}

/**
 * The frontend answers for every history shard (workflows that do not exist are NOT_FOUND, not
 * "not enough hosts" or a timeout; 32 random ids miss one of 4 shards with a chance of 4 in 10,000)
 * and for matching (a task queue's description), in the system namespace.
 */
async function answers(options: ConnectionOptions): Promise<boolean> {
  // No retrying interceptor: a probe answers now or not at all, and leaves no retry timer behind
  // to fire on the closed connection (which throws where nothing can catch it).
  const connection = await openConnection({ ...options, connectTimeout: 5_000, interceptors: [] });
  try {
    const namespace = 'temporal-system';
    const describe = () =>
      connection.workflowService.describeWorkflowExecution({ namespace, execution: { workflowId: `readiness-${randomUUID()}` } }).then(
        () => true,
        (err: { code?: number }) => err.code === NOT_FOUND,
      );
    const history = await connection.withDeadline(Date.now() + 3_000, () => Promise.all(Array.from({ length: 32 }, describe)));
    if (!history.every(Boolean)) return false;
    await connection.workflowService.describeTaskQueue({ namespace, taskQueue: { name: 'readiness' } });
    return true;
  } finally {
    await connection.close();
  }
}

const NOT_FOUND = 5;

/** The database password: made once, kept beside the data (the cluster is this machine's own). */
async function databasePassword(dir: string): Promise<string> {
  const file = join(dir, 'postgresql.password');
  const existing = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (existing) return existing;
  const password = randomBytes(18).toString('base64url');
  await mkdir(dir, { recursive: true });
  await writeFile(file, password, { mode: 0o600 });
  return password;
}
