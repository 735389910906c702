import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';
import { ServiceProcess } from './service-process';

export interface SeaweedFsOptions {
  binPath: string;
  /** Where its output goes; discarded when absent. */
  logFile?: string | undefined;
  log: (message: string) => void;
  startTimeoutMs?: number;
}

/** A SeaweedFS server with its S3 gateway on 127.0.0.1, data in a temporary directory. */
export interface SeaweedFs {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  pid: number | undefined;
  stop(): Promise<void>;
}

/**
 * `weed server -s3`: master, volume server, filer and S3 gateway in one process, every port a free
 * one on loopback, one identity with its own random keys (so requests and presigned URLs are
 * really signed and checked), no telemetry. Its data is removed when it stops.
 */
export async function startSeaweedFs(options: SeaweedFsOptions): Promise<SeaweedFs> {
  const dir = await mkdtemp(join(tmpdir(), 'wavflow-seaweedfs-'));
  const credentials = { accessKeyId: `wavflow${randomBytes(6).toString('hex')}`, secretAccessKey: randomBytes(24).toString('base64url') };
  const config = join(dir, 's3.json');
  await writeFile(
    config,
    JSON.stringify({ identities: [{ name: 'wavflow', credentials: [{ accessKey: credentials.accessKeyId, secretKey: credentials.secretAccessKey }], actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'] }] }),
  );
  const ports = { master: 0, masterGrpc: 0, volume: 0, volumeGrpc: 0, filer: 0, filerGrpc: 0, s3: 0, s3Grpc: 0 };
  for (const name of Object.keys(ports) as Array<keyof typeof ports>) ports[name] = await freePort();
  const data = join(dir, 'data');
  await mkdir(data);
  const args = [
    'server',
    '-ip=127.0.0.1',
    '-ip.bind=127.0.0.1',
    `-dir=${data}`,
    '-filer',
    '-s3',
    `-s3.config=${config}`,
    `-master.port=${ports.master}`,
    `-master.port.grpc=${ports.masterGrpc}`,
    '-master.telemetry=false',
    // Small volumes: the tests' files are small, and a 30 GB default would be preallocated space.
    '-master.volumeSizeLimitMB=1024',
    `-volume.port=${ports.volume}`,
    `-volume.port.grpc=${ports.volumeGrpc}`,
    '-volume.max=0',
    `-filer.port=${ports.filer}`,
    `-filer.port.grpc=${ports.filerGrpc}`,
    `-filer.localSocket=${join(dir, 'filer.sock')}`,
    `-s3.port=${ports.s3}`,
    `-s3.port.grpc=${ports.s3Grpc}`,
    `-s3.localSocket=${join(dir, 's3.sock')}`,
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
  ];
  options.log(`starting SeaweedFS (S3 on 127.0.0.1:${ports.s3})`);
  // Its own process group, as the Temporal dev server: stopped last, in order.
  const server = new ServiceProcess('weed server', { command: options.binPath, args, cwd: dir, logFile: options.logFile, stopSignal: 'SIGTERM' });
  server.start();
  const endpoint = `http://127.0.0.1:${ports.s3}`;
  const stop = async () => {
    await server.stop(10_000);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await server.untilReady(untilReady(endpoint, ports.master, options.startTimeoutMs ?? 120_000));
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoint, region: 'us-east-1', credentials, pid: server.pid, stop };
}

/**
 * Ready when the S3 gateway answers and the master has a writable volume server: before that, the
 * first uploads fail with "no free volumes".
 */
async function untilReady(endpoint: string, masterPort: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const s3 = await fetch(endpoint, { signal: AbortSignal.timeout(2_000) });
      const status = (await (await fetch(`http://127.0.0.1:${masterPort}/dir/status`, { signal: AbortSignal.timeout(2_000) })).json()) as {
        Topology?: { Free?: number };
      };
      // 403: the gateway is up and refuses the unsigned request, as it should.
      if (s3.status === 403 && (status.Topology?.Free ?? 0) > 0) return;
      last = `S3 answered ${s3.status}, ${status.Topology?.Free ?? 0} free volume slots`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) throw new Error(`SeaweedFS at ${endpoint} not ready: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
