import type { Client } from '@temporalio/client';
import { getConversion, watchConversion } from '../../src/conversions';
import type { Phase } from '../../src/workflows';
import { countingClient, type CountingClient } from '../../test/support/rpc-counter';
import { sleep } from '../support';

/**
 * The four ways a client follows a conversion, each on a connection of its own that counts every
 * RPC it sends (test/support/rpc-counter.ts), before (v0.1.0's code, kept here as the baseline)
 * and after:
 * - `cliWaitBefore`: v0.1.0's `convert --wait`, the status query every 500 ms until result();
 * - `cliWaitAfter`: `convert --wait` now (watchConversion: a long poll of the history, describe
 *   while downloading);
 * - `apiPollBefore`: a client polling the API once a second, each answer v0.1.0's route
 *   (`getConversion`: describe and the status query);
 * - `apiPollAfter`: the same client against today's route (readConversion with its cache), served
 *   by an app on this path's connection.
 * Used by `npm run bench:client` and `npm run bench:cost`.
 */

export type WatchPath = 'cliWaitBefore' | 'cliWaitAfter' | 'apiPollBefore' | 'apiPollAfter';
export const WATCH_PATHS: WatchPath[] = ['cliWaitBefore', 'cliWaitAfter', 'apiPollBefore', 'apiPollAfter'];

export interface WatchCost {
  queries: number;
  rpcs: number;
  byMethod: Record<string, number>;
}

export type Watchers = Record<WatchPath, CountingClient>;
export type WatchSnapshot = Record<WatchPath, Record<string, number>>;

export async function connectWatchers(address: string): Promise<Watchers> {
  return Object.fromEntries(await Promise.all(WATCH_PATHS.map(async (p) => [p, await countingClient(address)] as const))) as Watchers;
}

export const snapshot = (watchers: Watchers): WatchSnapshot => Object.fromEntries(WATCH_PATHS.map((p) => [p, watchers[p].counts()])) as WatchSnapshot;

/** What each path sent between two snapshots. */
export function perPath(from: WatchSnapshot, to: WatchSnapshot): Record<WatchPath, WatchCost> {
  return Object.fromEntries(
    WATCH_PATHS.map((p) => {
      const byMethod = Object.fromEntries(Object.entries(to[p]).map(([m, n]) => [m, n - (from[p][m] ?? 0)]).filter(([, n]) => Number(n) > 0)) as Record<string, number>;
      return [p, { queries: byMethod.QueryWorkflow ?? 0, rpcs: Object.values(byMethod).reduce((a, b) => a + b, 0), byMethod }];
    }),
  ) as Record<WatchPath, WatchCost>;
}

/**
 * Follows `conversionId` on all four paths at once until each saw it closed. `pollingApiUrl` is
 * an app whose client is `watchers.apiPollAfter`'s. `onPhase` hears the phases `cliWaitAfter` sees.
 */
export async function watchOnAllPaths(watchers: Watchers, conversionId: string, pollingApiUrl: string, onPhase: (phase: Phase) => void = () => {}): Promise<void> {
  await Promise.all([
    legacyWatch(watchers.cliWaitBefore.client, conversionId),
    watchConversion(watchers.cliWaitAfter.client, conversionId, onPhase, { onDownload: () => {} }).catch(() => undefined),
    pollEverySecond(async () => {
      const view = await getConversion(watchers.apiPollBefore.client, conversionId);
      return view?.workflowStatus !== 'RUNNING';
    }),
    pollEverySecond(async () => {
      const response = await fetch(`${pollingApiUrl}/v1/conversions/${conversionId}`);
      const body = (await response.json()) as { workflowStatus?: string };
      return response.status === 200 && body.workflowStatus !== 'RUNNING';
    }),
  ]);
}

/** v0.1.0's watchConversion, kept as the baseline: the status query every 500 ms until result() settles. */
export async function legacyWatch(client: Client, conversionId: string): Promise<void> {
  const result = client.workflow.getHandle(conversionId).result();
  let closed = false;
  const done = result.then(
    () => (closed = true),
    () => (closed = true),
  );
  while (!closed) {
    await getConversion(client, conversionId).catch(() => undefined);
    await Promise.race([done, sleep(500)]);
  }
  await getConversion(client, conversionId).catch(() => undefined);
}

/** A client that asks once a second (from the start of one request to the next) until `ask` says done. */
export async function pollEverySecond(ask: () => Promise<boolean>): Promise<void> {
  for (;;) {
    const started = Date.now();
    if (await ask().catch(() => false)) return;
    await sleep(Math.max(0, 1_000 - (Date.now() - started)));
  }
}
