import { rm } from 'node:fs/promises';

/** Stops every process of the cluster; its directory (database, logs) is kept with WAVFLOW_KEEP_CLUSTER=1. */
export default async function clusterGlobalTeardown(): Promise<void> {
  await globalThis.wavflowSeaweedFs?.stop();
  const running = globalThis.wavflowCluster;
  if (!running) return;
  const crashes = running.cluster.crashes();
  await running.cluster.stop();
  if (process.env.WAVFLOW_KEEP_CLUSTER === '1') console.log(`[cluster teardown] kept ${running.dir}`);
  else await rm(running.dir, { recursive: true, force: true });
  if (crashes.length) throw new Error(`cluster processes exited unasked during the run: ${crashes.join('; ')}`);
}
