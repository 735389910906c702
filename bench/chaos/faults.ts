import type { DevServer } from '../../src/local-servers';
import { carryOutClusterFault, isClusterFault, type ClusterFaultTargets } from './cluster-faults';
import type { FaultEvent } from './plan';
import type { CliProcess } from './processes';

/** What a fault acts on, and how the run waits and reports. */
export interface FaultTargets {
  workers: CliProcess[];
  server: CliProcess;
  serverUrl: string;
  temporal(): DevServer;
  /** Starts the dev server again on the same SQLite file and port. */
  restartTemporal(): Promise<void>;
  /** With the cluster harness: what its own faults act on. */
  cluster?: Omit<ClusterFaultTargets, 'say' | 'counts' | 'sleep' | 'until'> | undefined;
  say(message: string): void;
  /** "N started, M finished", for the log line. */
  counts: string;
  sleep(ms: number): Promise<void>;
  until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void>;
}

/** One process fault, carried out to the end (the process is back) before the next one. */
export async function carryOut(event: FaultEvent, t: FaultTargets): Promise<{ settledWhileDown?: number; failoverSeconds?: number; shardsMoved?: number }> {
  if (isClusterFault(event)) {
    if (!t.cluster) throw new Error(`a ${event.kind} needs the cluster (npm run chaos -- --cluster)`);
    return carryOutClusterFault(event, { ...t.cluster, counts: t.counts, say: (m) => t.say(m), sleep: (ms) => t.sleep(ms), until: (what, check, ms) => t.until(what, check, ms) });
  }
  if (event.kind === 'worker-kill') {
    const worker = t.workers[event.worker ?? 0] as CliProcess;
    t.say(`SIGKILL ${worker.name} (pid ${worker.pid}), ${t.counts}; starting a new one`);
    await worker.kill();
    worker.start();
    // The next fault then finds a worker that runs again, not one still starting.
    await t.until(`${worker.name} to run again`, () => worker.hasLogged('worker running'), 60_000);
    t.say(`${worker.name} running again`);
  } else if (event.kind === 'http-restart') {
    t.say(`HTTP server stopping, ${t.counts}; down for ${event.downMs} ms`);
    await t.server.stop();
    t.say('HTTP server stopped');
    // The outage itself: how long the provider finds nobody listening.
    await t.sleep(event.downMs ?? 0);
    t.server.start();
    await t.until('the restarted HTTP server', async () => (await fetch(`${t.serverUrl}/healthz`)).ok, 60_000);
    t.say('HTTP server back');
  } else {
    t.say(`Temporal dev server stopping, ${t.counts}; down for ${event.downMs} ms (same SQLite file and port)`);
    await t.temporal().stop();
    t.say('Temporal dev server stopped');
    // The outage itself: how long workers, receiver and client find nobody listening.
    await t.sleep(event.downMs ?? 0);
    await t.restartTemporal();
    t.say('Temporal dev server back');
  }
  return {};
}
