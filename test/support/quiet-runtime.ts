import { DefaultLogger, Runtime } from '@temporalio/worker';

/** The SDK logs state changes at INFO and expected workflow failures at WARN; tests assert on those instead. */
export function quietTemporalRuntime(): void {
  try {
    // Core's own retries (a test stops Temporal on purpose) are WARN too.
    Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } } });
  } catch {
    // Already installed by an earlier test file in this process.
  }
}
