import { chmod, cp, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { goInstall, goModCache, isExecutable } from './go-install';

/**
 * The one Temporal server release the project runs: the cluster harness builds it, and
 * docker-compose.yml pins its images to it (a test holds them together).
 */
export const TEMPORAL_SERVER_VERSION = '1.29.1';
/** The Temporal UI release that goes with it (the one the CLI embeds; compose's temporal-ui image). */
export const TEMPORAL_UI_VERSION = '2.42.1';

export interface ServerBinaries {
  /** `temporal-server` (the module's cmd/server). */
  server: string;
  /** `temporal-sql-tool` (cmd/tools/sql): creates databases and applies schema versions. */
  sqlTool: string;
  /** The Temporal UI server (ui-server's cmd/server). */
  uiServer: string;
  /** The release's `schema/postgresql/v12` (temporal/ and visibility/). */
  postgresSchemaDir: string;
  /**
   * The release's `config/docker.yaml`: the environment-driven configuration of the server image,
   * rendered by the server itself (it starts with `# enable-template`).
   */
  dockerConfigTemplate: string;
  /** TEMPORAL_SERVER_VERSION. */
  version: string;
}

export interface ObtainServerOptions {
  /** The project's root: binaries are cached under `<projectDir>/.temporal/`. */
  projectDir: string;
  log: (message: string) => void;
}

const SERVER_MODULE = 'go.temporal.io/server';
const UI_MODULE = 'github.com/temporalio/ui-server/v2';

/**
 * The Temporal server, its SQL tool and the UI server at the pinned releases: from the project's
 * cache when a previous run built them, otherwise built once with `go install` (about 2.5 min with
 * a warm Go build cache; longer cold) into `.temporal/temporal-server-<version>/` and
 * `.temporal/temporal-ui-server-<version>/`. The server's directory also keeps the release's
 * schema and config template, so a cached copy needs neither Go nor its module cache.
 *
 * Binaries on PATH are not used: a server binary alone carries neither its schema nor a
 * guarantee of being the release compose pins.
 */
export async function obtainServerBinaries({ projectDir, log }: ObtainServerOptions): Promise<ServerBinaries> {
  const cache = join(projectDir, '.temporal');
  const serverDir = join(cache, `temporal-server-${TEMPORAL_SERVER_VERSION}`);
  const uiDir = join(cache, `temporal-ui-server-${TEMPORAL_UI_VERSION}`);
  const logFile = join(cache, 'go-install.log');

  if (!(await isExecutable(join(serverDir, 'temporal-server')))) {
    await buildInto(serverDir, log, async (work) => {
      await goInstall({
        packages: [`${SERVER_MODULE}/cmd/server@v${TEMPORAL_SERVER_VERSION}`, `${SERVER_MODULE}/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`],
        binDir: work,
        logFile,
        what: `the Temporal server v${TEMPORAL_SERVER_VERSION} and its SQL tool`,
        expected: 'about 3 min with a warm Go build cache, 10 min or more without one',
        log,
      });
      await rename(join(work, 'server'), join(work, 'temporal-server'));
      await rename(join(work, 'sql'), join(work, 'temporal-sql-tool'));
      const source = join(await goModCache(), `${SERVER_MODULE}@v${TEMPORAL_SERVER_VERSION}`);
      await copyReadable(join(source, 'schema', 'postgresql', 'v12'), join(work, 'schema', 'postgresql', 'v12'));
      await copyReadable(join(source, 'config', 'docker.yaml'), join(work, 'config', 'docker.yaml'));
    });
  }
  if (!(await isExecutable(join(uiDir, 'ui-server')))) {
    await buildInto(uiDir, log, async (work) => {
      await goInstall({
        packages: [`${UI_MODULE}/cmd/server@v${TEMPORAL_UI_VERSION}`],
        binDir: work,
        logFile,
        what: `the Temporal UI server v${TEMPORAL_UI_VERSION}`,
        expected: 'about 30 s',
        log,
      });
      await rename(join(work, 'server'), join(work, 'ui-server'));
    });
  }
  return {
    server: join(serverDir, 'temporal-server'),
    sqlTool: join(serverDir, 'temporal-sql-tool'),
    uiServer: join(uiDir, 'ui-server'),
    postgresSchemaDir: join(serverDir, 'schema', 'postgresql', 'v12'),
    dockerConfigTemplate: join(serverDir, 'config', 'docker.yaml'),
    version: TEMPORAL_SERVER_VERSION,
  };
}

/**
 * Fills a fresh directory, then renames it into place: an interrupted build leaves no directory
 * that looks complete, and of two builds at once the second finds the first's.
 */
async function buildInto(target: string, log: (message: string) => void, fill: (work: string) => Promise<void>): Promise<void> {
  const work = `${target}.build-${process.pid}`;
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  try {
    await fill(work);
    await rename(work, target).catch((err: NodeJS.ErrnoException) => {
      if (!['ENOTEMPTY', 'EEXIST'].includes(err.code ?? '')) throw err;
      log(`${target} was completed by another run meanwhile; using it`);
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Go's module cache is read-only; the copies get the owner's write bit back, so `rm -rf .temporal` works. */
async function copyReadable(from: string, to: string): Promise<void> {
  await cp(from, to, { recursive: true });
  await makeWritable(to);
}

async function makeWritable(path: string): Promise<void> {
  const info = await stat(path);
  await chmod(path, info.mode | 0o200 | (info.isDirectory() ? 0o100 : 0));
  if (info.isDirectory()) for (const name of await readdir(path)) await makeWritable(join(path, name));
}
