import type { WorkflowService } from '@temporalio/client';
import type { WorkerDeploymentVersion } from '@temporalio/common';

/**
 * How a worker treats its deployment's Current Version when it starts:
 * - `always`: make this build current (the dev server of `npm start`, tests: one build at a time);
 * - `if-none`: only on the deployment's first deploy, when no version was ever current or ramping,
 *   so a fresh install needs no extra step; afterwards the operator moves it
 *   (`temporal worker deployment set-current-version`, README: Deploying a new version);
 * - `never`: leave it to the operator.
 */
export type CurrentVersionPolicy = 'always' | 'if-none' | 'never';

/**
 * How `npm start` versions its worker. Each commit is a new build id, and a dev machine runs one
 * build at a time: pinned conversions would wait forever for the build that started them once the
 * code moved on. So the dev build makes itself current and its conversions auto-upgrade to the next
 * build (like an unversioned worker: a workflow change without `patched()` can then fail their
 * replay, which is what the dev machine is for finding). Production workers stay pinned.
 */
export const DEV_MACHINE_VERSIONING = { currentVersion: 'always', versioningBehavior: 'AUTO_UPGRADE' } as const;

/** `stopped`: the worker shut down before the server knew its version. */
export type CurrentVersionOutcome = 'set' | 'already-current' | 'left-to-operator' | 'stopped';

export interface SetCurrentVersionOptions {
  namespace: string;
  version: WorkerDeploymentVersion;
  policy: CurrentVersionPolicy;
  /** The server learns of a version from its workers' polls: how long to wait for that. */
  timeoutMs?: number;
  identity?: string;
  /** Stops waiting (the worker is shutting down). */
  signal?: AbortSignal;
}

// gRPC status codes worth asking again: the version still being registered (not found, no pollers
// seen yet), a change in between (aborted), or Temporal briefly out of reach.
const RETRYABLE_CODES = new Set([
  4, // DEADLINE_EXCEEDED
  5, // NOT_FOUND
  9, // FAILED_PRECONDITION
  10, // ABORTED
  14, // UNAVAILABLE
]);

/**
 * Applies `policy` to the deployment's Current Version. Call it once the worker polls: the server
 * refuses a version it has seen no poller of. Uses the deployment's conflict token, so two
 * workers starting a fresh deployment at once cannot both make themselves current.
 */
export async function applyCurrentVersionPolicy(service: WorkflowService, options: SetCurrentVersionOptions): Promise<CurrentVersionOutcome> {
  const { namespace, version, policy } = options;
  if (policy === 'never') return 'left-to-operator';
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (options.signal?.aborted) return 'stopped';
    try {
      const { conflictToken, workerDeploymentInfo } = await service.describeWorkerDeployment({ namespace, deploymentName: version.deploymentName });
      const known = workerDeploymentInfo?.versionSummaries?.some((v) => v.deploymentVersion?.buildId === version.buildId);
      const routing = workerDeploymentInfo?.routingConfig;
      if (routing?.currentDeploymentVersion?.buildId === version.buildId) return 'already-current';
      if (policy === 'if-none' && (routing?.currentVersionChangedTime || routing?.rampingDeploymentVersion || routing?.currentDeploymentVersion)) {
        return 'left-to-operator';
      }
      if (known) {
        await service.setWorkerDeploymentCurrentVersion({
          namespace,
          deploymentName: version.deploymentName,
          buildId: version.buildId,
          conflictToken,
          identity: options.identity ?? 'wavflow worker',
        });
        return 'set';
      }
    } catch (err) {
      if (!isRetryable(err)) throw err;
      lastError = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const why = lastError instanceof Error ? `: ${lastError.message}` : '';
  throw new Error(`${version.deploymentName}.${version.buildId} did not become current within ${options.timeoutMs ?? 60_000} ms${why}`);
}

function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' && RETRYABLE_CODES.has(code);
}
