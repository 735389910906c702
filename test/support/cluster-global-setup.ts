import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/download';
import { obtainSeaweedFs, startReadyCluster, startSeaweedFs, type TemporalCluster } from '../../src/local-servers';
import { workflowInterceptorModules } from '../../src/app';

declare global {
  var wavflowCluster: { cluster: TemporalCluster; dir: string } | undefined;
}
// wavflowSeaweedFs is declared by test/support/global-setup.ts.

/**
 * The cluster suite's one Temporal: the project's harness (PostgreSQL, frontend, matching, worker
 * service, two history nodes, the UI), readied by `wavflow setup`'s code, and one SeaweedFS server
 * for the S3 store's tests. The tests read the same variables as with the dev server, so the same
 * test files run against either.
 */
export default async function clusterGlobalSetup(): Promise<void> {
  // The AWS SDK's notice that its releases after January 2027 need Node 22 (README: Storage), said
  // once per process: in every test worker and spawned worker it would bury the test output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const projectDir = resolve(__dirname, '../..');
  const log = (message: string) => console.log(`[cluster setup] ${message}`);
  // PostgreSQL may run as another user (as root: `postgres`): the directory must be reachable.
  const dir = await mkdtemp(join(tmpdir(), 'wavflow-test-cluster-'));
  await chmod(dir, 0o755);
  process.env.WAVFLOW_TEST_CLUSTER_DIR = dir;
  const weedPath = await obtainSeaweedFs({ projectDir, explicitPath: process.env.SEAWEEDFS_PATH, log });
  const [{ cluster }, bundle, seaweed] = await Promise.all([
    startReadyCluster({ projectDir, dir, namespace: 'default', log }),
    bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), workflowInterceptorModules, logger: quietLogger }),
    // The S3 store's tests run here too, as with the dev server (test/support/global-setup.ts).
    startSeaweedFs({ binPath: weedPath, log: () => {} }),
  ]);
  globalThis.wavflowCluster = { cluster, dir };
  globalThis.wavflowSeaweedFs = seaweed;
  await createS3Client({ endpoint: seaweed.endpoint, credentials: seaweed.credentials }).send(new CreateBucketCommand({ Bucket: TEST_BUCKET }));
  const bundlePath = join(dir, 'workflows.js');
  await writeFile(bundlePath, bundle.code);
  process.env.WAVFLOW_TEST_TEMPORAL_ADDRESS = cluster.address;
  process.env.WAVFLOW_TEST_TEMPORAL_UI_URL = cluster.uiUrl;
  process.env.WAVFLOW_TEST_WORKFLOW_BUNDLE = bundlePath;
  process.env.WAVFLOW_TEST_S3_ENDPOINT = seaweed.endpoint;
  process.env.WAVFLOW_TEST_S3_ACCESS_KEY = seaweed.credentials.accessKeyId;
  process.env.WAVFLOW_TEST_S3_SECRET_KEY = seaweed.credentials.secretAccessKey;
  process.env.WAVFLOW_TEST_S3_BUCKET = TEST_BUCKET;
}

const TEST_BUCKET = 'wavflow-tests';

const noop = () => {};
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop };
