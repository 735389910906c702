import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { freePort, obtainTemporalCli, startDevServer, type DevServer } from '../../src/temporal';
import { workflowInterceptorModules } from '../../src/worker';

declare global {
  var wavflowTemporal: DevServer | undefined;
}

/** One real Temporal dev server (in memory) and one workflow bundle for the whole integration run. */
export default async function globalSetup(): Promise<void> {
  const projectDir = resolve(__dirname, '../..');
  const log = (message: string) => console.log(`[test setup] ${message}`);
  const cliPath = await obtainTemporalCli({ projectDir, explicitPath: process.env.TEMPORAL_CLI_PATH, log });
  const [port, uiPort] = [await freePort(), await freePort()];
  const [server, bundle] = await Promise.all([
    // With its Web UI: the browser test looks at conversions the way an operator does.
    startDevServer({ cliPath, port, uiPort, namespace: 'default', log: () => {} }),
    bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), workflowInterceptorModules, logger: quietLogger }),
  ]);
  const bundlePath = join(tmpdir(), `wavflow-workflows-${process.pid}.js`);
  await writeFile(bundlePath, bundle.code);
  globalThis.wavflowTemporal = server;
  process.env.WAVFLOW_TEST_TEMPORAL_ADDRESS = server.address;
  process.env.WAVFLOW_TEST_TEMPORAL_UI_URL = server.uiUrl;
  process.env.WAVFLOW_TEST_WORKFLOW_BUNDLE = bundlePath;
}

const noop = () => {};
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop };
