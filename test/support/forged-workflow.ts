import { condition, defineQuery, setHandler } from '@temporalio/workflow';

/**
 * A stand-in for convertToWav, registered under the same name by a test-only worker: whoever can
 * run a worker on a task queue (or start and signal workflows through Temporal) decides what a
 * conversion's result and status say. This one claims a file at `path` (say /etc/passwd), in its
 * result and in its status query; `finish` false keeps it running, status still claiming it.
 */
export async function convertToWav({ path, finish }: { path: string; finish: boolean }): Promise<unknown> {
  const claim = { path, bytes: 1, sha256: '0'.repeat(64), audioFormat: 1, sampleRate: 44_100, channels: 2, bitsPerSample: 16, durationSeconds: 1, attempt: 1, resumedFrom: 0 };
  setHandler(defineQuery<unknown>('status'), () => ({ phase: 'completed', result: claim }));
  if (!finish) await condition(() => false);
  return claim;
}
