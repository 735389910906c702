import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { findOnPath, isExecutable } from './go-install';
import { freePort } from './ports';
import { ServiceProcess } from './service-process';
import { waitUntil } from './wait-until';

export interface PostgresOptions {
  /** The database cluster's directory (PGDATA); created by initdb when it does not exist yet. */
  dataDir: string;
  /** Default: a free one. */
  port?: number;
  /** The superuser Temporal connects as, with a password (scram-sha-256 over TCP). */
  user: string;
  password: string;
  logFile: string;
  log: (message: string) => void;
}

export interface Postgres {
  host: string;
  port: number;
  user: string;
  password: string;
  dataDir: string;
  /** True when this start ran initdb (the databases do not exist yet). */
  created: boolean;
  readonly process: ServiceProcess;
  /** Starts it again after a stop, and waits until it accepts connections. */
  start(): Promise<void>;
  /** `pg_ctl stop -m immediate`: every backend gone at once, no checkpoint; recovery replays the WAL on the next start. */
  stopImmediately(): Promise<void>;
  /** Fast shutdown (SIGINT): open transactions are rolled back, then a checkpoint. */
  stop(): Promise<void>;
  /** One SQL statement through psql, as the superuser; its rows, one per line, fields split by `|`. */
  query(database: string, sql: string): Promise<string[]>;
}

/**
 * A PostgreSQL server of the project's own, from the machine's PostgreSQL server binaries (Debian's
 * `postgresql` package puts them under /usr/lib/postgresql/<version>/bin): listening on 127.0.0.1
 * only, no Unix socket, its data in `dataDir`. PostgreSQL refuses to run as root; as root it runs as
 * the `postgres` system user (which that package creates).
 */
export async function startPostgres(options: PostgresOptions): Promise<Postgres> {
  const bin = await findPostgresBin();
  const runAs = await postgresUser();
  const port = options.port ?? (await freePort());
  const created = !existsSync(join(options.dataDir, 'PG_VERSION'));
  if (created) await initdb(bin, runAs, options);

  const process = new ServiceProcess('postgresql', {
    command: join(bin, 'postgres'),
    args: ['-D', options.dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=300'],
    logFile: options.logFile,
    stopSignal: 'SIGINT',
    ...runAs,
  });
  const start = async () => {
    process.start();
    await waitUntil(
      `PostgreSQL on 127.0.0.1:${port} to accept connections`,
      async () => {
        if (!process.running) throw new Error(`PostgreSQL exited: ${await process.tail(5)}`);
        return (await run(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-t', '2']).then(() => true, () => false));
      },
      { timeoutMs: 120_000, everyMs: 200, failFast: () => !process.running },
    );
  };
  await start();
  options.log(`PostgreSQL ${await pgVersion(bin)} on 127.0.0.1:${port}, data in ${options.dataDir}${runAs.uid !== undefined ? ' (run as the postgres user)' : ''}`);
  return {
    host: '127.0.0.1',
    port,
    user: options.user,
    password: options.password,
    dataDir: options.dataDir,
    created,
    process,
    start,
    stop: () => process.stop(60_000),
    query: async (database, sql) => {
      const output = await run(join(bin, 'psql'), ['-At', '-h', '127.0.0.1', '-p', String(port), '-U', options.user, '-d', database, '-c', sql], {}, { PGPASSWORD: options.password });
      return output.split('\n').filter(Boolean);
    },
    stopImmediately: async () => {
      const exited = process.expectExit();
      await run(join(bin, 'pg_ctl'), ['-D', options.dataDir, 'stop', '-m', 'immediate', '-w'], runAs);
      await exited;
    },
  };
}

async function initdb(bin: string, runAs: RunAs, options: PostgresOptions): Promise<void> {
  await mkdir(dirname(options.dataDir), { recursive: true });
  await mustBeReachable(dirname(options.dataDir), runAs);
  await mkdir(options.dataDir, { mode: 0o700 });
  const pwfile = join(options.dataDir, '..', `.pwfile-${process.pid}`);
  await writeFile(pwfile, `${options.password}\n`, { mode: 0o600 });
  try {
    if (runAs.uid !== undefined && runAs.gid !== undefined) {
      await chown(options.dataDir, runAs.uid, runAs.gid);
      await chown(pwfile, runAs.uid, runAs.gid);
    }
    options.log(`creating a PostgreSQL database cluster in ${options.dataDir}`);
    await run(
      join(bin, 'initdb'),
      ['-D', options.dataDir, '-U', options.user, `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-instructions'],
      runAs,
    );
  } catch (err) {
    await rm(options.dataDir, { recursive: true, force: true });
    throw err;
  } finally {
    await rm(pwfile, { force: true });
  }
}

interface RunAs {
  uid?: number;
  gid?: number;
}

/** As root: the `postgres` system user, which Debian's package creates. Otherwise: ourselves. */
async function postgresUser(): Promise<RunAs> {
  if (process.getuid?.() !== 0) return {};
  const passwd = await readFile('/etc/passwd', 'utf8');
  const entry = passwd.split('\n').find((line) => line.startsWith('postgres:'));
  if (!entry) {
    throw new Error('PostgreSQL refuses to run as root, and there is no `postgres` user to run it as: run as a normal user, or `apt-get install postgresql` (it creates one)');
  }
  const [, , uid, gid] = entry.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** The directory above the data directory must be reachable by the user PostgreSQL runs as. */
async function mustBeReachable(dir: string, runAs: RunAs): Promise<void> {
  if (runAs.uid === undefined) return;
  for (let d = dir; ; d = dirname(d)) {
    const info = await stat(d);
    if (d === dir && info.uid === 0) await chmod(d, info.mode | 0o711);
    else if ((info.mode & 0o001) === 0) {
      throw new Error(`PostgreSQL runs as the postgres user, which cannot reach ${dir}: ${d} is not searchable by others (chmod o+x ${d}, or put the data elsewhere)`);
    }
    if (d === dirname(d)) return;
  }
}

/** The newest of /usr/lib/postgresql/<version>/bin, else the directory of `postgres` on PATH. */
export async function findPostgresBin(): Promise<string> {
  const root = '/usr/lib/postgresql';
  const versions = (await readdir(root).catch(() => [] as string[])).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  for (const version of versions) if (await isExecutable(join(root, version, 'bin', 'initdb'))) return join(root, version, 'bin');
  const onPath = await findOnPath('postgres');
  if (onPath && (await isExecutable(join(dirname(onPath), 'initdb')))) return dirname(onPath);
  throw new Error('PostgreSQL server binaries (initdb, postgres, pg_ctl) not found: `apt-get install postgresql` installs them');
}

async function pgVersion(bin: string): Promise<string> {
  return (await run(join(bin, 'postgres'), ['--version'])).replace(/^postgres \(PostgreSQL\)\s*/, '').trim();
}

function run(command: string, args: string[], runAs: RunAs = {}, env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { ...runAs, env: { ...process.env, ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}
