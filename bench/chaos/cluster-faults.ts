import type { TemporalCluster } from '../../src/local-servers';
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
export async function carryOutClusterFault(event: FaultEvent & { kind: ClusterFaultKind }, t: ClusterFaultTargets): Promise<{ settledWhileDown?: number; failoverSeconds?: number; shardsMoved?: number }> {
  const { cluster } = t;
  if (event.kind === 'history-node-kill') {
    // The planned node, unless it owns no shard now (after a restart the first node up may hold all
    // of them for a while): the kill must make shards move.
    const owners = await cluster.shardOwners();
    const planned = cluster.historyNodes[event.node ?? 0] ?? cluster.historyNodes[0]!;
    const node = (owners.get(planned) ?? 0) > 0 ? planned : ([...owners].find(([, shards]) => shards > 0)?.[0] ?? planned);
    const moving = owners.get(node) ?? 0;
    const survivors = cluster.historyNodes.filter((n) => n !== node);
    const names = survivors.map((n) => n.name).join(', ');
    t.say(`SIGKILL ${node.name} (pid ${node.pid}, ${moving} of its shards must move to ${names}), ${t.counts}`);
    const killedAt = Date.now();
    const before = await t.settled();
    await node.kill('SIGKILL');
    // Its shards are acquired by the survivors (their records say so) and every shard answers
    // through the frontend. Then it comes back (some shards move again), so later faults find two nodes.
    await t.until(
      `${node.name}'s shards to move to ${names}`,
      async () => ((await cluster.shardOwners()).get(node) ?? 0) === 0 && (await cluster.servesAllShards()),
      120_000,
    );
    const failoverSeconds = Math.round((Date.now() - killedAt) / 100) / 10;
    const settledWhileDown = (await t.settled()) - before;
    t.say(`${moving} shards moved to ${names} and every shard served ${failoverSeconds} s after the kill (${settledWhileDown} conversions finished meanwhile); starting ${node.name} again`);
    node.start();
    await cluster.waitReady();
    t.say(`${node.name} running again, every shard served`);
    return { settledWhileDown, failoverSeconds, shardsMoved: moving };
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
