import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startReadyCluster, type TemporalCluster } from '../../src/temporal';
import { workflowInterceptorModules } from '../../src/worker';

declare global {
  var wavflowCluster: { cluster: TemporalCluster; dir: string } | undefined;
}

/**
 * The cluster suite's one Temporal: the project's harness (PostgreSQL, frontend, matching, worker
 * service, two history nodes, the UI), readied by `wavflow setup`'s code. The tests read the same
 * variables as with the dev server, so the same test files run against either.
 */
export default async function clusterGlobalSetup(): Promise<void> {
  const projectDir = resolve(__dirname, '../..');
  const log = (message: string) => console.log(`[cluster setup] ${message}`);
  // PostgreSQL may run as another user (as root: `postgres`): the directory must be reachable.
  const dir = await mkdtemp(join(tmpdir(), 'wavflow-test-cluster-'));
  await chmod(dir, 0o755);
  process.env.WAVFLOW_TEST_CLUSTER_DIR = dir;
  const [{ cluster }, bundle] = await Promise.all([
    startReadyCluster({ projectDir, dir, namespace: 'default', log }),
    bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), workflowInterceptorModules, logger: quietLogger }),
  ]);
  globalThis.wavflowCluster = { cluster, dir };
  const bundlePath = join(dir, 'workflows.js');
  await writeFile(bundlePath, bundle.code);
  process.env.WAVFLOW_TEST_TEMPORAL_ADDRESS = cluster.address;
  process.env.WAVFLOW_TEST_TEMPORAL_UI_URL = cluster.uiUrl;
  process.env.WAVFLOW_TEST_WORKFLOW_BUNDLE = bundlePath;
}

const noop = () => {};
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop };
