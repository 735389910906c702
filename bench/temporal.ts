import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, obtainTemporalCli, startDevServer, startReadyCluster } from '../src/local-servers';
import { cpuSeconds, projectDir, say } from './support';

/**
 * The Temporal `npm run bench` measures against: the dev server in memory (default), or with
 * BENCH_TEMPORAL=cluster the project's cluster harness (PostgreSQL, frontend, matching, worker
 * service, two history nodes, as separate processes), each process's CPU time counted on its own.
 */
export interface BenchTemporal {
  address: string;
  kind: 'dev' | 'cluster';
  /** CPU seconds used so far by each Temporal process (PostgreSQL: the server and its backends). */
  cpuSeconds(): Record<string, number>;
  stop(): Promise<void>;
}

export const benchTemporalKind = (): 'dev' | 'cluster' => {
  const kind = process.env.BENCH_TEMPORAL ?? 'dev';
  if (kind !== 'dev' && kind !== 'cluster') throw new Error(`BENCH_TEMPORAL=${kind}: must be dev or cluster`);
  return kind;
};

export async function startBenchTemporal(workDir: string): Promise<BenchTemporal> {
  if (benchTemporalKind() === 'cluster') {
    const dir = join(workDir, 'cluster');
    await mkdir(dir);
    // PostgreSQL may run as another user (as root: `postgres`).
    await chmod(workDir, 0o755);
    const { cluster } = await startReadyCluster({ projectDir, dir, namespace: 'default', uiPort: null, log: say });
    const postgres = cluster.postgres.process;
    return {
      address: cluster.address,
      kind: 'cluster',
      cpuSeconds: () => ({
        ...Object.fromEntries([...cluster.services.values()].flatMap((p) => (p.pid === undefined ? [] : [[`temporal ${p.name}`, cpuSeconds(p.pid)]]))),
        // Each connection is a backend process of its own; those that ended are in the server's own
        // children's time only once it reaps them, so the live ones are added.
        ...(postgres.pid === undefined ? {} : { postgresql: [postgres.pid, ...childrenOf(postgres.pid)].reduce((sum, pid) => sum + cpuSecondsOrZero(pid), 0) }),
      }),
      stop: () => cluster.stop(),
    };
  }
  const cliPath = await obtainTemporalCli({ projectDir, explicitPath: process.env.TEMPORAL_CLI_PATH, log: say });
  const temporal = await startDevServer({ cliPath, port: await freePort(), uiPort: null, namespace: 'default', log: say });
  if (temporal.pid === undefined) throw new Error('the dev server has no pid');
  const pid = temporal.pid;
  return { address: temporal.address, kind: 'dev', cpuSeconds: () => ({ 'temporal dev server': cpuSeconds(pid) }), stop: () => temporal.stop() };
}

/** Processes whose parent is `pid`, from /proc. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false; // ended meanwhile
      }
    })
    .map(Number);
}

const cpuSecondsOrZero = (pid: number) => {
  try {
    return cpuSeconds(pid);
  } catch {
    return 0; // ended meanwhile
  }
};
