import { join } from 'node:path';
import { startCluster, type ClusterOptions, type TemporalCluster } from './cluster';
import { obtainServerBinaries } from './server-binaries';
import { openConnection, setUpNamespace, type SetupReport } from '../temporal';

/** The project's Temporal dynamic configuration: the harness's, and the one compose mounts. */
export const DYNAMIC_CONFIG_FILE = join('deploy', 'temporal-dynamic-config.yaml');

export interface ReadyClusterOptions extends Omit<ClusterOptions, 'binaries' | 'dynamicConfigFile'> {
  projectDir: string;
  /** The namespace `wavflow setup` readies; none when absent (a bare cluster). */
  namespace?: string;
}

/**
 * The harness as `wavflow cluster`, the cluster test suite, the chaos run and the benchmark use it:
 * the pinned server release (built once into .temporal/), the project's dynamic configuration, and
 * the namespace readied by the same code as `wavflow setup`.
 */
export async function startReadyCluster(options: ReadyClusterOptions): Promise<{ cluster: TemporalCluster; setup: SetupReport | undefined }> {
  const binaries = await obtainServerBinaries({ projectDir: options.projectDir, log: options.log });
  const cluster = await startCluster({ ...options, binaries, dynamicConfigFile: join(options.projectDir, DYNAMIC_CONFIG_FILE) });
  if (!options.namespace) return { cluster, setup: undefined };
  try {
    const connection = await openConnection(await cluster.connectionOptions());
    try {
      const setup = await setUpNamespace(connection, { namespace: options.namespace, retentionDays: 3, timeoutMs: 120_000, log: options.log });
      return { cluster, setup };
    } finally {
      await connection.close();
    }
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}
