import { rm } from 'node:fs/promises';

export default async function globalTeardown(): Promise<void> {
  await Promise.all([globalThis.wavflowTemporal?.stop(), globalThis.wavflowSeaweedFs?.stop()]);
  if (process.env.WAVFLOW_TEST_WORKFLOW_BUNDLE) await rm(process.env.WAVFLOW_TEST_WORKFLOW_BUNDLE, { force: true });
}
