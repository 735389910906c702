import { startSandbox, type Scenario } from '../../src/sandbox';
import { serveRpc } from '../support';

/**
 * The sandbox provider in a process of its own, started by bench/pipeline.ts: its CPU time is
 * then the provider's alone, as it would be on another machine. Controlled over IPC (Rpc).
 */

/** Passed by the parent in WAVFLOW_BENCH_SANDBOX, as JSON. */
export interface SandboxProcessConfig {
  apiKey: string;
  wavSeconds: number;
  fileDir: string;
}

/** One provider task as the benchmark reads it; times are Date.now() values (same clock as the server's). */
export interface TaskReport {
  audioId: string;
  /** When the conversion finished: when its callback was (or would have been) due. */
  completedAt: number | null;
  /** When the first callback request was sent; null when none was (dropped, or still held). */
  callbackSentAt: number | null;
  callbackOutcome: number | string | null;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.WAVFLOW_BENCH_SANDBOX ?? '') as SandboxProcessConfig;
  const sandbox = await startSandbox({
    apiKey: config.apiKey,
    variant: 'sunoapi',
    // Instant conversions and small files: the pipeline is measured, not the provider or the payload.
    conversionDelayMs: 0,
    wavSeconds: config.wavSeconds,
    // A callback the receiver refuses (503 under overload) is retried after 0.6 s, not 1 min.
    timeScale: 0.01,
    publicHost: 'localhost',
    fileDir: config.fileDir,
  });
  serveRpc({
    setScenario: (key: string, scenario: Scenario) => sandbox.setScenario(key, scenario),
    hold: (hold: boolean) => sandbox.holdCallbacks(hold),
    held: () => sandbox.heldCallbacks(),
    release: (count?: number, concurrency?: number) => sandbox.releaseCallbacks(count, concurrency),
    /** The tasks of the conversions whose audioId starts with `prefix`. */
    report: (prefix: string): TaskReport[] => {
      const firstAttempts = new Map(sandbox.callbacks.attempts.filter((a) => a.attempt === 1 && a.copy === 1).map((a) => [a.wavTaskId, a]));
      return sandbox
        .tasks()
        .filter((t) => t.audioId?.startsWith(prefix))
        .map((t) => {
          const sent = firstAttempts.get(t.wavTaskId);
          return { audioId: t.audioId ?? '', completedAt: t.completeTime?.getTime() ?? null, callbackSentAt: sent?.sentAt.getTime() ?? null, callbackOutcome: sent?.outcome ?? null };
        });
    },
  });
  const stop = () => void sandbox.close().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('disconnect', stop);
  process.send?.({ type: 'ready', url: sandbox.url });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
