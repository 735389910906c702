import { createDownloadWav } from '../../src/activities/download';
import type { WavStore } from '../../src/download';
import { Metrics } from '../../src/metrics';
import type { Sandbox } from '../../src/sandbox';

/** The download activity into `store`, allowed to fetch from the sandbox's file host only. */
export function sandboxDownloadWav(store: WavStore, sandbox: Sandbox) {
  return createDownloadWav(
    {
      store,
      addressPolicy: { allowPrivate: false, allowedHosts: [new URL(sandbox.url).host] },
      maxBytes: 1024 ** 3,
      minFreeBytes: 0,
      connectTimeoutMs: 5_000,
      idleTimeoutMs: 5_000,
    },
    new Metrics(),
  );
}
