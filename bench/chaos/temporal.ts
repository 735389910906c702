import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, obtainTemporalCli, startDevServer, startReadyCluster, type DevServer, type TemporalCluster } from '../../src/local-servers';

/**
 * The Temporal a chaos run uses: the dev server (one process, a SQLite file; the fault is a
 * restart), or the project's cluster harness (PostgreSQL, separate services, two history nodes; the
 * faults are a history node's death, every Temporal process's, and PostgreSQL's immediate restart).
 */
export interface ChaosTemporal {
  address: string;
  /** For the log: what runs and where its state is. */
  description: string;
  /** The dev server as it runs now (it is a new process after each restart). */
  devServer?: () => DevServer;
  /** The dev server started again on the same SQLite file and port. */
  restartDevServer?: () => Promise<void>;
  cluster?: TemporalCluster;
  stop(): Promise<void>;
}

export async function startChaosTemporal(kind: 'dev' | 'cluster', projectDir: string, workDir: string, log: (message: string) => void): Promise<ChaosTemporal> {
  if (kind === 'cluster') {
    const dir = join(workDir, 'cluster');
    await mkdir(dir);
    // PostgreSQL may run as another user (as root: `postgres`).
    await chmod(workDir, 0o755);
    const { cluster } = await startReadyCluster({ projectDir, dir, namespace: 'default', uiPort: null, log });
    return {
      address: cluster.address,
      description: `Temporal cluster on ${cluster.address}: ${[...cluster.services.keys()].join(', ')}, PostgreSQL on 127.0.0.1:${cluster.postgres.port} (state and logs in ${dir})`,
      cluster,
      stop: () => cluster.stop(),
    };
  }
  const cliPath = await obtainTemporalCli({ projectDir, explicitPath: process.env.TEMPORAL_CLI_PATH, log });
  const port = await freePort();
  const start = () => startDevServer({ cliPath, port, uiPort: null, dbFile: join(workDir, 'temporal.db'), namespace: 'default', logFile: join(workDir, 'temporal.log'), log: () => {} });
  let server = await start();
  return {
    address: server.address,
    description: `Temporal dev server on ${server.address}, state in ${join(workDir, 'temporal.db')}`,
    devServer: () => server,
    restartDevServer: async () => {
      server = await start();
    },
    stop: () => server.stop(),
  };
}
