import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/download';
import { freePort, obtainSeaweedFs, obtainTemporalCli, startDevServer, startSeaweedFs, type DevServer, type SeaweedFs } from '../../src/local-servers';
import { workflowInterceptorModules } from '../../src/app';

declare global {
  var wavflowTemporal: DevServer | undefined;
  var wavflowSeaweedFs: SeaweedFs | undefined;
}

/** The bucket every S3 test stack writes into, each under a prefix of its own. */
const TEST_BUCKET = 'wavflow-tests';

/**
 * One real Temporal dev server (in memory), one SeaweedFS server (the S3 store's tests) and one
 * workflow bundle for the whole integration run.
 */
export default async function globalSetup(): Promise<void> {
  // The AWS SDK's notice that its releases after January 2027 need Node 22 (README: Storage), said
  // once per process: in every test worker and spawned worker it would bury the test output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const projectDir = resolve(__dirname, '../..');
  const log = (message: string) => console.log(`[test setup] ${message}`);
  const cliPath = await obtainTemporalCli({ projectDir, explicitPath: process.env.TEMPORAL_CLI_PATH, log });
  const weedPath = await obtainSeaweedFs({ projectDir, explicitPath: process.env.SEAWEEDFS_PATH, log });
  const [port, uiPort] = [await freePort(), await freePort()];
  const [server, bundle, seaweed] = await Promise.all([
    // With its Web UI: the browser test looks at conversions the way an operator does.
    startDevServer({ cliPath, port, uiPort, namespace: 'default', log: () => {} }),
    bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), workflowInterceptorModules, logger: quietLogger }),
    startSeaweedFs({ binPath: weedPath, log: () => {} }),
  ]);
  globalThis.wavflowSeaweedFs = seaweed;
  await createS3Client({ endpoint: seaweed.endpoint, credentials: seaweed.credentials }).send(new CreateBucketCommand({ Bucket: TEST_BUCKET }));
  const bundlePath = join(tmpdir(), `wavflow-workflows-${process.pid}.js`);
  await writeFile(bundlePath, bundle.code);
  globalThis.wavflowTemporal = server;
  process.env.WAVFLOW_TEST_TEMPORAL_ADDRESS = server.address;
  process.env.WAVFLOW_TEST_TEMPORAL_UI_URL = server.uiUrl;
  process.env.WAVFLOW_TEST_WORKFLOW_BUNDLE = bundlePath;
  process.env.WAVFLOW_TEST_S3_ENDPOINT = seaweed.endpoint;
  process.env.WAVFLOW_TEST_S3_ACCESS_KEY = seaweed.credentials.accessKeyId;
  process.env.WAVFLOW_TEST_S3_SECRET_KEY = seaweed.credentials.secretAccessKey;
  process.env.WAVFLOW_TEST_S3_BUCKET = TEST_BUCKET;
}

const noop = () => {};
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop };
