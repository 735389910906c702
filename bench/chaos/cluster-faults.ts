import type { TemporalCluster } from '../../src/temporal';
import type { ClusterFaultKind, FaultEvent } from './plan';

/** What a cluster fault acts on, and how the run waits and reports. */
export interface ClusterFaultTargets {
  cluster: TemporalCluster;
  say(message: string): void;
  counts: string;
  /** Conversions closed so far (from visibility). */
  settled(): Promise<number>;
  sleep(ms: number): Promise<void>;
  until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void>;
}

export const isClusterFault = (event: FaultEvent): event is FaultEvent & { kind: ClusterFaultKind } =>
  event.kind === 'history-node-kill' || event.kind === 'temporal-kill' || event.kind === 'postgres-restart';

/** One cluster fault, carried out to the end (the cluster serves again) before the next one. */
export async function carryOutClusterFault(event: FaultEvent & { kind: ClusterFaultKind }, t: ClusterFaultTargets): Promise<{ settledWhileDown?: number; failoverSeconds?: number }> {
  const { cluster } = t;
  if (event.kind === 'history-node-kill') {
    const node = cluster.historyNodes[event.node ?? 0] ?? cluster.historyNodes[0]!;
    const survivors = cluster.historyNodes.filter((n) => n !== node).map((n) => n.name);
    t.say(`SIGKILL ${node.name} (pid ${node.pid}), ${t.counts}; its shards must move to ${survivors.join(', ')}`);
    const killedAt = Date.now();
    const before = await t.settled();
    await node.kill('SIGKILL');
    // Every shard answers again with the node dead: its shards have moved. Then it comes back
    // (its shards move again), so later faults find two nodes.
    await t.until(`every history shard served by ${survivors.join(', ')}`, () => cluster.servesAllShards(), 120_000);
    const failoverSeconds = Math.round((Date.now() - killedAt) / 100) / 10;
    const settledWhileDown = (await t.settled()) - before;
    t.say(`every shard served by ${survivors.join(', ')} ${failoverSeconds} s after the kill (${settledWhileDown} conversions finished meanwhile); starting ${node.name} again`);
    node.start();
    await cluster.waitReady();
    t.say(`${node.name} running again, every shard served`);
    return { settledWhileDown, failoverSeconds };
  }
  if (event.kind === 'temporal-kill') {
    t.say(`SIGKILL every Temporal process (${[...cluster.services.values()].map((s) => `${s.name} ${s.pid}`).join(', ')}), ${t.counts}; down for ${event.downMs} ms`);
    await cluster.killServices();
    // The outage itself: how long workers, receiver and client find no Temporal at all.
    await t.sleep(event.downMs ?? 0);
    await cluster.startServices();
    t.say('every Temporal process running again, the cluster serving');
    return {};
  }
  t.say(`PostgreSQL: pg_ctl stop -m immediate, ${t.counts}; down for ${event.downMs} ms`);
  await cluster.postgres.stopImmediately();
  await t.sleep(event.downMs ?? 0);
  await cluster.postgres.start();
  await cluster.waitReady();
  t.say('PostgreSQL back (crash recovery done), the cluster serving');
  return {};
}
