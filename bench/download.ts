import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, open, readdir, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter, tsToMs } from '@temporalio/common';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startConversion, waitForConversion, type StartOptions } from '../src/conversions';
import { CreateBucketCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createS3Client, nodeSha256, ResumableSha256, type Sha256 } from '../src/download';
import { startSandbox, type Sandbox, type SandboxTask } from '../src/sandbox';
import { freePort, obtainSeaweedFs, obtainTemporalCli, startDevServer, startSeaweedFs } from '../src/local-servers';
import { workflowInterceptorModules } from '../src/app';
import type { ConversionResult } from '../src/workflows';
import { Cleanup, forkChild, median, procStatusKiB, projectDir, round, say, sleep, stopChild, table, tail, type Child } from './support';
import { DOWNLOAD_RESULT_FILE } from './pipeline/download-ratio';
import type { StoreEvent, WorkerMessage, WorkerProcessConfig } from './processes/worker';

/**
 * `npm run bench:download`: a ~1 GiB WAV served by the sandbox, downloaded by the downloadWav
 * activity in a worker process, by `curl -o` and by a bare Node loop (bench/node-loop.ts: read,
 * hash, write, fsync) to the same disk, in alternating rounds; then eager activity dispatch, on and
 * off, over small conversions; then a download SIGKILLed at 50 % and finished by a new worker;
 * then the same file into an S3 bucket (SeaweedFS on loopback) by the activity and by the S3 SDK's
 * own upload of the local file, in alternating rounds. Prints a table, then one JSON line.
 * BENCH_FILE_MIB (default 1024) and BENCH_ROUNDS (default 3) shrink it for a quick try;
 * BENCH_PARTS (default `file,eager,kill,s3`) picks the parts.
 */

const MiB = 1024 ** 2;
const FILE_MIB = Number(process.env.BENCH_FILE_MIB ?? 1024);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PARTS = new Set((process.env.BENCH_PARTS ?? 'file,eager,kill,s3').split(',').map((part) => part.trim()));
/** Small conversions per side in the eager-dispatch comparison. */
const EAGER_CONVERSIONS = 8;
const GOALS = { downloadRatioVsNodeLoop: 0.8, throughputRatioVsCurl: 0.9, peakRssGrowthMiB: 64, refetchedShareAfterKill: 0.05, s3RatioVsSdkUpload: 0.8, s3PeakRssGrowthMiB: 64 };
const S3_PART_BYTES = 8 * MiB;
const PCM_BYTES_PER_SECOND = 44_100 * 2 * 2; // what the sandbox synthesizes: 16-bit stereo 44.1 kHz
const WAV_HEADER_BYTES = 44;
const AUDIO_ID = 'bench-track';
/** The shortest poll interval a conversion accepts: the bench's conversions learn their URL by polling. */
const POLL_SECONDS = 5;
const SANDBOX_KEY = 'bench-key';

interface CurlRun {
  bytes: number;
  seconds: number;
  fsyncSeconds: number;
}

interface NodeLoopRun {
  bytes: number;
  seconds: number;
}

/** The download activity's dispatch (ActivityTaskScheduled → ActivityTaskStarted), per conversion, with eager dispatch on or off. */
interface EagerRun {
  onMs: number[];
  offMs: number[];
}

interface ActivityRun {
  bytes: number;
  /** downloadWav's ActivityTaskStarted → ActivityTaskCompleted, from the workflow history. */
  seconds: number;
  /** Body streamed into the .part file (hashing, writing, header check). */
  streamingSeconds: number;
  /** fsync and rename. */
  commitSeconds: number;
  rssBeforeMiB: number;
  peakRssGrowthMiB: number;
  /** The peak is the kernel's (VmHWM, reset before the run) rather than sampled every 20 ms. */
  peakRssExact: boolean;
}

interface S3Run {
  bytes: number;
  /** The SDK's Upload (lib-storage) of the served file, 8 MiB parts: the baseline. */
  sdkSeconds: number;
  /** downloadWav into the bucket, from the workflow history. */
  activitySeconds: number;
  peakRssGrowthMiB: number;
}

interface KillRun {
  killedAtBytes: number;
  heartbeatAtKill: { bytes: number; etag?: string } | undefined;
  resumedFrom: number;
  servedBytes: number;
  refetchedShare: number;
  recoverySeconds: number;
  finalAttempt: number;
  sha256: string;
  sha256Matches: boolean;
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  if (process.platform !== 'linux') throw new Error('bench:download reads /proc for the worker memory: Linux only');
  if (!(FILE_MIB > 0) || !(ROUNDS >= 1)) throw new Error('BENCH_FILE_MIB and BENCH_ROUNDS must be positive numbers');
  await assertCurl();

  const wavSeconds = Math.ceil((FILE_MIB * MiB - WAV_HEADER_BYTES) / PCM_BYTES_PER_SECOND);
  const expectedBytes = WAV_HEADER_BYTES + wavSeconds * PCM_BYTES_PER_SECOND;
  const workDir = await mkdtemp(join(tmpdir(), 'wavflow-bench-'));
  const cleanup = new Cleanup();
  cleanup.add(() => rm(workDir, { recursive: true, force: true }));
  cleanup.closeOnSignals();

  try {
    // The served file, curl's copy and the worker's copy (plus its 256 MiB free-disk margin) at once.
    const free = await freeBytes(workDir);
    const needed = 3 * expectedBytes + 512 * MiB;
    if (free < needed) throw new Error(`${workDir} has ${mib(free)} MiB free; the benchmark needs ${mib(needed)} MiB`);
    say(`working in ${workDir} (${mib(free)} MiB free); file ${expectedBytes} bytes (${(expectedBytes / 1024 ** 3).toFixed(2)} GiB)`);

    const cliPath = await obtainTemporalCli({ projectDir, explicitPath: process.env.TEMPORAL_CLI_PATH, log: say });
    const temporal = await startDevServer({ cliPath, port: await freePort(), uiPort: null, namespace: 'default', log: say });
    cleanup.add(() => temporal.stop());
    const connection = await Connection.connect({ address: temporal.address });
    cleanup.add(() => connection.close());
    const client = new Client({ connection });

    const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../src/workflows'), workflowInterceptorModules, logger: quietLogger });
    const workflowBundlePath = join(workDir, 'workflows.js');
    await writeFile(workflowBundlePath, bundle.code);

    const sandbox = await startSandbox({
      apiKey: SANDBOX_KEY,
      variant: 'sunoapi',
      conversionDelayMs: 0,
      wavSeconds,
      timeScale: 1,
      publicHost: 'localhost',
      fileDir: join(workDir, 'sandbox'),
    });
    cleanup.add(() => sandbox.close());
    // Conversions after the first adopt the same provider task (409), so one file serves every run;
    // they learn its URL by polling, so no callback receiver is needed.
    sandbox.setScenario(AUDIO_ID, { callback: 'drop' });

    const outputDir = join(workDir, 'worker');
    const workerConfig: WorkerProcessConfig = {
      temporalAddress: temporal.address,
      taskQueue: 'wavflow-bench',
      workflowBundlePath,
      sandboxUrl: sandbox.url,
      sandboxApiKey: SANDBOX_KEY,
      outputDir,
    };
    const workers: WorkerChild[] = [];
    cleanup.add(async () => Promise.all(workers.map((w) => stopChild(w))));
    const newWorker = async () => {
      const worker = await spawnWorker(workerConfig, join(workDir, `worker-${workers.length + 1}.log`));
      workers.push(worker);
      return worker;
    };

    const runTag = `bench-${Date.now().toString(36)}`;
    const startOptions: StartOptions = { taskQueue: workerConfig.taskQueue, defaultPollIntervalSeconds: POLL_SECONDS, startedBy: 'bench' };
    const convert = async (label: string) => {
      const { conversionId } = await startConversion(client, { conversionId: `${runTag}-${label}`, audioId: AUDIO_ID }, startOptions);
      return { conversionId, result: await waitForConversion(client, conversionId) };
    };

    const worker = await newWorker();
    say(`synthesizing the WAV in the sandbox (${wavSeconds} s of audio), then a warm-up download`);
    const warmUp = await convert('warm-up');
    const task = sandbox.task(warmUp.result.wavTaskId);
    if (!task?.file) throw new Error('the sandbox has no file for the warm-up conversion');
    const served = task.file;
    await rm(warmUp.result.path);
    // The sandbox just wrote the file: flushed now, its write-back cannot slow the first round.
    await fsyncFile(served.path);
    // curl gets a literal address: `localhost` would have it try ::1 first, where nothing listens.
    const curlUrl = `${sandbox.url.replace('//localhost:', '//127.0.0.1:')}/files/${task.wavTaskId}.wav`;

    const curlRuns: CurlRun[] = [];
    const nodeLoopRuns: NodeLoopRun[] = [];
    const activityRuns: ActivityRun[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const curlFile = join(workDir, 'curl.wav');
      const curl = await curlDownload(curlUrl, curlFile);
      if (curl.bytes !== served.bytes) throw new Error(`curl fetched ${curl.bytes} of ${served.bytes} bytes`);
      await rm(curlFile); // unlinked before the next run, so its dirty pages are never written back during it
      curlRuns.push(curl);
      say(`round ${round}: curl ${mibps(curl.bytes, curl.seconds)} MiB/s`);

      const loopFile = join(workDir, 'node-loop.wav');
      const loop = await nodeLoopDownload(curlUrl, loopFile);
      await rm(loopFile);
      await requestsEnded(task);
      if (loop.bytes !== served.bytes || loop.sha256 !== served.sha256) throw new Error(`round ${round}: the Node loop's file differs from the served one`);
      nodeLoopRuns.push(loop);
      say(`round ${round}: Node loop ${mibps(loop.bytes, loop.seconds)} MiB/s`);

      const servedBefore = task.bytesServed;
      const peak = new PeakRss(worker.pid);
      const { conversionId, result } = await convert(`round-${round}`);
      const growth = peak.stop();
      const seconds = await downloadActivitySeconds(client, conversionId);
      const times = worker.storeEvents.get(conversionId) ?? {};
      await rm(result.path);
      await requestsEnded(task);
      if (task.bytesServed - servedBefore < result.bytes) throw new Error(`round ${round}: the sandbox served ${task.bytesServed - servedBefore} bytes of a ${result.bytes} byte file`);
      if (result.bytes !== served.bytes || result.sha256 !== served.sha256) throw new Error(`round ${round}: the activity's file differs from the served one`);
      // The history times the last attempt only: a retried download would be misreported.
      if (result.attempt !== 1) throw new Error(`round ${round}: the download needed ${result.attempt} attempts; see the worker log`);
      activityRuns.push({
        bytes: result.bytes,
        seconds,
        streamingSeconds: ((times.commit ?? NaN) - (times.write ?? NaN)) / 1000,
        commitSeconds: ((times.committed ?? NaN) - (times.commit ?? NaN)) / 1000,
        rssBeforeMiB: growth.beforeKiB / 1024,
        peakRssGrowthMiB: (growth.peakKiB - growth.beforeKiB) / 1024,
        peakRssExact: growth.exact,
      });
      say(`round ${round}: activity ${mibps(result.bytes, seconds)} MiB/s, peak RSS +${((growth.peakKiB - growth.beforeKiB) / 1024).toFixed(1)} MiB`);
    }

    let eager: EagerRun | undefined;
    if (PARTS.has('eager')) {
      say(`eager activity dispatch: ${EAGER_CONVERSIONS} small conversions on a worker that allows it, as many on one that does not`);
      eager = await eagerDispatch({ client, sandbox, workerConfig, runTag, workers, logFile: (n) => join(workDir, n) });
    }

    let kill: KillRun | undefined;
    if (PARTS.has('kill')) {
      say('kill test: SIGKILL the worker at 50 %, start a new one; the attempt times out after its 30 s heartbeat timeout, then resumes');
      kill = await killAndResume({ client, sandbox, wavTaskId: task.wavTaskId, outputDir, conversionId: `${runTag}-kill`, startOptions, worker, newWorker });
    }

    for (const w of workers) await stopChild(w);
    const s3Runs = PARTS.has('s3')
      ? await s3Rounds({ client, workDir, workerConfig, servedPath: served.path, servedSha256: served.sha256, runTag, cleanup, workers, logFile: (n) => join(workDir, n) })
      : [];
    const sha256Speed = await sha256Speeds();

    const report = summarize({ fileBytes: served.bytes, curlRuns, nodeLoopRuns, activityRuns, eager, kill, s3Runs, sha256Speed, totalSeconds: (Date.now() - startedAt) / 1000 });
    await cleanup.close();
    printReport(report, curlRuns, nodeLoopRuns, activityRuns, kill, s3Runs);
  } catch (err) {
    // The worker logs go with the working directory: show their ends first.
    for (const name of (await readdir(workDir).catch(() => [])).filter((n) => n.endsWith('.log'))) {
      say(`${name} (last lines):\n${await tail(join(workDir, name))}`);
    }
    await cleanup.close();
    throw err;
  }
}

// ---------------------------------------------------------------- S3

interface S3RoundsDeps {
  client: Client;
  workDir: string;
  workerConfig: WorkerProcessConfig;
  servedPath: string;
  servedSha256: string;
  runTag: string;
  cleanup: Cleanup;
  workers: WorkerChild[];
  logFile: (name: string) => string;
}

/** The activity into a SeaweedFS bucket vs the SDK's upload of the same local file, alternating. */
async function s3Rounds({ client, workerConfig, servedPath, servedSha256, runTag, cleanup, workers, logFile }: S3RoundsDeps): Promise<S3Run[]> {
  const weedPath = await obtainSeaweedFs({ projectDir, explicitPath: process.env.SEAWEEDFS_PATH, log: say });
  const seaweed = await startSeaweedFs({ binPath: weedPath, logFile: logFile('seaweedfs.log'), log: say });
  cleanup.add(() => seaweed.stop());
  const bucket = 'bench';
  const s3 = createS3Client({ endpoint: seaweed.endpoint, credentials: seaweed.credentials });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const config: WorkerProcessConfig = {
    ...workerConfig,
    taskQueue: 'wavflow-bench-s3',
    s3: { endpoint: seaweed.endpoint, bucket, prefix: 'activity/', credentials: seaweed.credentials },
  };
  const worker = await spawnWorker(config, logFile('worker-s3.log'));
  workers.push(worker);
  const startOptions: StartOptions = { taskQueue: config.taskQueue, defaultPollIntervalSeconds: POLL_SECONDS, startedBy: 'bench' };
  // Warm-ups, not measured: the worker loads the S3 client's modules on first use, and SeaweedFS
  // creates its volumes on the first writes.
  say('S3 warm-up: one SDK upload and one activity download');
  await new Upload({ client: s3, params: { Bucket: bucket, Key: 'sdk/warm-up.wav', Body: createReadStream(servedPath) }, partSize: S3_PART_BYTES }).done();
  const warmUp = await waitForConversion(client, (await startConversion(client, { conversionId: `${runTag}-s3-warm-up`, audioId: AUDIO_ID }, startOptions)).conversionId);
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'sdk/warm-up.wav' }));
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: warmUp.path.replace(`s3://${bucket}/`, '') }));
  const runs: S3Run[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const key = `sdk/round-${round}.wav`;
    const sdkStarted = performance.now();
    await new Upload({ client: s3, params: { Bucket: bucket, Key: key, Body: createReadStream(servedPath), ContentType: 'audio/wav' }, partSize: S3_PART_BYTES }).done();
    const sdkSeconds = (performance.now() - sdkStarted) / 1000;
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));

    const peak = new PeakRss(worker.pid);
    const { conversionId } = await startConversion(client, { conversionId: `${runTag}-s3-${round}`, audioId: AUDIO_ID }, startOptions);
    const result = await waitForConversion(client, conversionId);
    const growth = peak.stop();
    if (result.sha256 !== servedSha256 || result.attempt !== 1) throw new Error(`S3 round ${round}: sha256 ${result.sha256} after ${result.attempt} attempts`);
    const activitySeconds = await downloadActivitySeconds(client, conversionId);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: result.path.replace(`s3://${bucket}/`, '') }));
    runs.push({ bytes: result.bytes, sdkSeconds, activitySeconds, peakRssGrowthMiB: (growth.peakKiB - growth.beforeKiB) / 1024 });
    say(`S3 round ${round}: SDK upload ${mibps(result.bytes, sdkSeconds)} MiB/s, activity ${mibps(result.bytes, activitySeconds)} MiB/s, peak RSS +${((growth.peakKiB - growth.beforeKiB) / 1024).toFixed(1)} MiB`);
  }
  return runs;
}

/** SHA-256 over 256 MiB in this process: node:crypto (the file store's) and hash-wasm (the S3 store's, whose state can be saved). */
async function sha256Speeds(): Promise<{ nodeCryptoMiBps: number; hashWasmMiBps: number }> {
  const chunk = Buffer.alloc(64 * 1024, 7);
  const chunks = (256 * MiB) / chunk.length;
  const time = (hash: Sha256) => {
    const started = performance.now();
    for (let i = 0; i < chunks; i++) hash.update(chunk);
    hash.hex();
    return round(256 / ((performance.now() - started) / 1000), 1);
  };
  return { nodeCryptoMiBps: time(nodeSha256()), hashWasmMiBps: time(await ResumableSha256.create()) };
}

// ---------------------------------------------------------------- eager activity dispatch

interface EagerDeps {
  client: Client;
  sandbox: Sandbox;
  workerConfig: WorkerProcessConfig;
  runTag: string;
  workers: WorkerChild[];
  logFile: (name: string) => string;
}

/**
 * When a workflow task schedules the download, a worker that has an activity slot free can take it
 * in the answer to that workflow task (eager dispatch: the SDK asks by default, the server must
 * allow it) instead of through a poll on the task queue. Two workers, one on each side, each on a
 * queue of its own, run small conversions at once; each download's scheduled → started time comes
 * from its history.
 */
async function eagerDispatch({ client, sandbox, workerConfig, runTag, workers, logFile }: EagerDeps): Promise<EagerRun> {
  const audioId = 'bench-small';
  sandbox.setScenario(audioId, { callback: 'drop', wavSeconds: 1 });
  const side = async (eagerActivities: boolean): Promise<number[]> => {
    const taskQueue = `wavflow-bench-eager-${eagerActivities ? 'on' : 'off'}`;
    const worker = await spawnWorker({ ...workerConfig, taskQueue, timedStore: false, tuning: { eagerActivities } }, logFile(`worker-eager-${eagerActivities ? 'on' : 'off'}.log`));
    workers.push(worker);
    const startOptions: StartOptions = { taskQueue, defaultPollIntervalSeconds: POLL_SECONDS, startedBy: 'bench' };
    const ids = Array.from({ length: EAGER_CONVERSIONS }, (_, i) => `${runTag}-eager-${eagerActivities ? 'on' : 'off'}-${i}`);
    await Promise.all(ids.map((conversionId) => startConversion(client, { conversionId, audioId }, startOptions)));
    const results = await Promise.all(ids.map((id) => waitForConversion(client, id)));
    await Promise.all(results.map((result) => rm(result.path, { force: true })));
    return Promise.all(ids.map((id) => downloadDispatchMs(client, id)));
  };
  const [onMs, offMs] = await Promise.all([side(true), side(false)]);
  say(`eager dispatch: median scheduled → started ${median(onMs)} ms allowed, ${median(offMs)} ms not`);
  return { onMs, offMs };
}

/** The download's ActivityTaskScheduled → ActivityTaskStarted, from the history. */
async function downloadDispatchMs(client: Client, conversionId: string): Promise<number> {
  const events = (await client.workflow.getHandle(conversionId).fetchHistory()).events ?? [];
  const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'downloadWav');
  const started = events.find((e) => scheduled?.eventId != null && String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(scheduled.eventId));
  if (!scheduled?.eventTime || !started?.eventTime) throw new Error(`${conversionId}: no started downloadWav in the history`);
  return tsToMs(started.eventTime) - tsToMs(scheduled.eventTime);
}

// ---------------------------------------------------------------- kill test

interface KillTestDeps {
  client: Client;
  sandbox: Sandbox;
  wavTaskId: string;
  outputDir: string;
  conversionId: string;
  startOptions: StartOptions;
  worker: WorkerChild;
  newWorker: () => Promise<WorkerChild>;
}

async function killAndResume({ client, sandbox, wavTaskId, outputDir, conversionId, startOptions, worker, newWorker }: KillTestDeps): Promise<KillRun> {
  const task = () => sandbox.task(wavTaskId)!;
  const file = task().file!;
  const servedBefore = task().bytesServed;
  await startConversion(client, { conversionId, audioId: AUDIO_ID }, startOptions);

  // Watch the .part file rather than the sandbox's counter: it only counts a request when it ends.
  const part = join(outputDir, `${conversionId}.wav.part`);
  let killedAtBytes = 0;
  const deadline = Date.now() + 10 * 60_000;
  while (killedAtBytes < file.bytes / 2) {
    if (Date.now() > deadline) throw new Error('kill test: the download never reached 50 %');
    if (worker.exitCode !== undefined) throw new Error('kill test: the worker exited before the download reached 50 %');
    killedAtBytes = (await stat(part).catch(() => undefined))?.size ?? 0;
    if (killedAtBytes < file.bytes / 2) await sleep(2);
  }
  worker.process.kill('SIGKILL');
  const killedAt = Date.now();
  await worker.exited;
  say(`kill test: killed at ${killedAtBytes} bytes (${((100 * killedAtBytes) / file.bytes).toFixed(1)} %)`);

  // What the retry will resume from: the server's last recorded heartbeat (etag) and the .part size.
  const description = await client.workflow.getHandle(conversionId).describe();
  const pending = description.raw.pendingActivities?.[0];
  const details = pending?.heartbeatDetails?.payloads?.[0];
  const heartbeatAtKill = details ? defaultPayloadConverter.fromPayload<{ bytes: number; etag?: string }>(details) : undefined;

  await newWorker();
  const result: ConversionResult = await waitForConversion(client, conversionId);
  const recoverySeconds = (Date.now() - killedAt) / 1000;
  await requestsEnded(task());
  const servedBytes = task().bytesServed - servedBefore;
  const sha256 = await sha256Of(result.path);
  await rm(result.path);
  return {
    killedAtBytes,
    heartbeatAtKill: heartbeatAtKill && { bytes: heartbeatAtKill.bytes, ...(heartbeatAtKill.etag ? { etag: heartbeatAtKill.etag } : {}) },
    resumedFrom: result.resumedFrom,
    servedBytes,
    refetchedShare: (servedBytes - file.bytes) / file.bytes,
    recoverySeconds,
    finalAttempt: result.attempt,
    sha256,
    sha256Matches: sha256 === file.sha256 && result.sha256 === file.sha256,
  };
}

// ---------------------------------------------------------------- measurements

/** bench/node-loop.ts in a process of its own, as the activity runs in the worker's. */
async function nodeLoopDownload(url: string, dest: string): Promise<NodeLoopRun & { sha256: string }> {
  const out = await run(process.execPath, [join(__dirname, 'node-loop.js'), url, dest]);
  return JSON.parse(out) as NodeLoopRun & { sha256: string };
}

/** `curl -o`, timed by curl itself; then the fsync the activity also does, timed apart. */
async function curlDownload(url: string, dest: string): Promise<CurlRun> {
  const out = await run('curl', ['-sS', '--fail', '-o', dest, '-w', '%{size_download} %{time_total}', url]);
  const [bytes, seconds] = out.trim().split(' ').map(Number);
  const started = performance.now();
  await fsyncFile(dest);
  return { bytes: bytes ?? NaN, seconds: seconds ?? NaN, fsyncSeconds: (performance.now() - started) / 1000 };
}

async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** downloadWav's duration as the server saw it: the attempt's start to its completion. */
async function downloadActivitySeconds(client: Client, conversionId: string): Promise<number> {
  const events = (await client.workflow.getHandle(conversionId).fetchHistory()).events ?? [];
  const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'downloadWav');
  const ofIt = (id: unknown) => scheduled?.eventId != null && String(id) === String(scheduled.eventId);
  const started = events.find((e) => ofIt(e.activityTaskStartedEventAttributes?.scheduledEventId));
  const completed = events.find((e) => ofIt(e.activityTaskCompletedEventAttributes?.scheduledEventId));
  if (!started?.eventTime || !completed?.eventTime) throw new Error(`${conversionId}: no completed downloadWav in the history`);
  return (tsToMs(completed.eventTime) - tsToMs(started.eventTime)) / 1000;
}

/**
 * The worker's peak RSS from now until stop(), and its RSS now. The kernel keeps the peak (VmHWM),
 * reset through clear_refs; where that is refused, /proc is sampled every 20 ms instead.
 */
class PeakRss {
  readonly beforeKiB: number;
  /** True when the kernel's own peak is read; false when sampled. */
  readonly exact: boolean;
  private sampledKiB: number;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(private readonly pid: number) {
    this.exact = resetPeakRss(pid);
    this.beforeKiB = procStatusKiB(pid, 'VmRSS');
    this.sampledKiB = this.beforeKiB;
    if (!this.exact) this.timer = setInterval(() => (this.sampledKiB = Math.max(this.sampledKiB, procStatusKiB(pid, 'VmRSS'))), 20);
  }

  stop(): { beforeKiB: number; peakKiB: number; exact: boolean } {
    clearInterval(this.timer);
    const peakKiB = this.exact ? procStatusKiB(this.pid, 'VmHWM') : Math.max(this.sampledKiB, procStatusKiB(this.pid, 'VmRSS'));
    return { beforeKiB: this.beforeKiB, peakKiB, exact: this.exact };
  }
}

function resetPeakRss(pid: number): boolean {
  try {
    // 5 resets the peak resident set size (Linux ≥ 4.0).
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- worker processes

interface WorkerChild extends Child {
  /** Per conversion id: when the store started writing, started and finished committing. */
  storeEvents: Map<string, Partial<Record<StoreEvent, number>>>;
}

async function spawnWorker(config: WorkerProcessConfig, logFile: string): Promise<WorkerChild> {
  const { child } = await forkChild(join(__dirname, 'processes/worker.js'), { WAVFLOW_BENCH_WORKER: JSON.stringify(config) }, logFile);
  const worker: WorkerChild = Object.assign(child, { storeEvents: new Map<string, Partial<Record<StoreEvent, number>>>() });
  child.process.on('message', (message: WorkerMessage) => {
    if (message.type !== 'store') return;
    const times = worker.storeEvents.get(message.key) ?? {};
    times[message.event] = message.at;
    worker.storeEvents.set(message.key, times);
  });
  return worker;
}

// ---------------------------------------------------------------- report

interface Measured {
  fileBytes: number;
  curlRuns: CurlRun[];
  nodeLoopRuns: NodeLoopRun[];
  activityRuns: ActivityRun[];
  eager: EagerRun | undefined;
  kill: KillRun | undefined;
  s3Runs: S3Run[];
  sha256Speed: { nodeCryptoMiBps: number; hashWasmMiBps: number };
  totalSeconds: number;
}

function summarize({ fileBytes, curlRuns, nodeLoopRuns, activityRuns, eager, kill, s3Runs, sha256Speed, totalSeconds }: Measured) {
  const curlMiBps = median(curlRuns.map((r) => r.bytes / MiB / r.seconds));
  const curlWithFsyncMiBps = median(curlRuns.map((r) => r.bytes / MiB / (r.seconds + r.fsyncSeconds)));
  const nodeLoopMiBps = median(nodeLoopRuns.map((r) => r.bytes / MiB / r.seconds));
  const activityMiBps = median(activityRuns.map((r) => r.bytes / MiB / r.seconds));
  const streamingMiBps = median(activityRuns.map((r) => r.bytes / MiB / r.streamingSeconds));
  const s3 = s3Runs.length > 0;
  const figures = {
    downloadRatioVsNodeLoop: round(activityMiBps / nodeLoopMiBps, 3),
    throughputRatioVsCurl: round(activityMiBps / curlMiBps, 3),
    peakRssGrowthMiB: round(Math.max(...activityRuns.map((r) => r.peakRssGrowthMiB)), 1),
    refetchedShareAfterKill: kill ? round(kill.refetchedShare, 4) : null,
    s3RatioVsSdkUpload: s3 ? round(median(s3Runs.map((r) => r.bytes / r.activitySeconds)) / median(s3Runs.map((r) => r.bytes / r.sdkSeconds)), 3) : null,
    s3PeakRssGrowthMiB: s3 ? round(Math.max(...s3Runs.map((r) => r.peakRssGrowthMiB)), 1) : null,
  };
  const atMost = (value: number | null, goal: number) => (value === null ? null : value <= goal);
  const atLeast = (value: number | null, goal: number) => (value === null ? null : value >= goal);
  return {
    ...figures,
    meetsGoals: {
      downloadRatioVsNodeLoop: atLeast(figures.downloadRatioVsNodeLoop, GOALS.downloadRatioVsNodeLoop),
      throughputRatioVsCurl: atLeast(figures.throughputRatioVsCurl, GOALS.throughputRatioVsCurl),
      peakRssGrowthMiB: atMost(figures.peakRssGrowthMiB, GOALS.peakRssGrowthMiB),
      refetchedShareAfterKill: atMost(figures.refetchedShareAfterKill, GOALS.refetchedShareAfterKill),
      s3RatioVsSdkUpload: atLeast(figures.s3RatioVsSdkUpload, GOALS.s3RatioVsSdkUpload),
      s3PeakRssGrowthMiB: atMost(figures.s3PeakRssGrowthMiB, GOALS.s3PeakRssGrowthMiB),
    },
    fileBytes,
    rounds: activityRuns.length,
    peakRssFrom: activityRuns.every((r) => r.peakRssExact) ? 'VmHWM' : 'sampled every 20 ms',
    curlMiBps: round(curlMiBps, 1),
    nodeLoopMiBps: round(nodeLoopMiBps, 1),
    activityMiBps: round(activityMiBps, 1),
    curlWithFsyncMiBps: round(curlWithFsyncMiBps, 1),
    activityStreamingMiBps: round(streamingMiBps, 1),
    throughputRatioVsCurlWithFsync: round(activityMiBps / curlWithFsyncMiBps, 3),
    eagerDispatch: eager
      ? {
          conversionsPerSide: eager.onMs.length,
          medianDispatchMsAllowed: median(eager.onMs),
          medianDispatchMsNotAllowed: median(eager.offMs),
          // A download started in the same millisecond it was scheduled was handed over eagerly.
          sameMillisecondAllowed: eager.onMs.filter((ms) => ms <= 1).length,
          sameMillisecondNotAllowed: eager.offMs.filter((ms) => ms <= 1).length,
        }
      : null,
    killedAtShare: kill ? round(kill.killedAtBytes / fileBytes, 4) : null,
    heartbeatBytesAtKill: kill?.heartbeatAtKill?.bytes ?? null,
    resumedFrom: kill?.resumedFrom ?? null,
    recoverySeconds: kill ? round(kill.recoverySeconds, 1) : null,
    sha256AfterKill: kill?.sha256 ?? null,
    sha256Matches: kill?.sha256Matches ?? null,
    s3SdkUploadMiBps: s3 ? round(median(s3Runs.map((r) => r.bytes / MiB / r.sdkSeconds)), 1) : null,
    s3ActivityMiBps: s3 ? round(median(s3Runs.map((r) => r.bytes / MiB / r.activitySeconds)), 1) : null,
    s3PartMiB: S3_PART_BYTES / MiB,
    sha256NodeCryptoMiBps: sha256Speed.nodeCryptoMiBps,
    sha256HashWasmMiBps: sha256Speed.hashWasmMiBps,
    parts: [...PARTS].join(','),
    totalSeconds: round(totalSeconds, 1),
  };
}

function printReport(report: ReturnType<typeof summarize>, curlRuns: CurlRun[], nodeLoopRuns: NodeLoopRun[], activityRuns: ActivityRun[], kill: KillRun | undefined, s3Runs: S3Run[]): void {
  const rows: string[][] = [['round', 'curl MiB/s', '+fsync', 'Node loop MiB/s', 'activity MiB/s', 'streaming s', 'fsync+rename s', 'vs Node loop', 'vs curl', 'peak RSS growth MiB']];
  activityRuns.forEach((a, i) => {
    const c = curlRuns[i]!;
    const n = nodeLoopRuns[i]!;
    rows.push([
      String(i + 1),
      (c.bytes / MiB / c.seconds).toFixed(1),
      (c.bytes / MiB / (c.seconds + c.fsyncSeconds)).toFixed(1),
      (n.bytes / MiB / n.seconds).toFixed(1),
      (a.bytes / MiB / a.seconds).toFixed(1),
      a.streamingSeconds.toFixed(2),
      a.commitSeconds.toFixed(2),
      (a.bytes / a.seconds / (n.bytes / n.seconds)).toFixed(3),
      (a.bytes / a.seconds / (c.bytes / c.seconds)).toFixed(3),
      a.peakRssGrowthMiB.toFixed(1),
    ]);
  });
  rows.push(['median', String(report.curlMiBps), String(report.curlWithFsyncMiBps), String(report.nodeLoopMiBps), String(report.activityMiBps), '', '', String(report.downloadRatioVsNodeLoop), String(report.throughputRatioVsCurl), `max ${report.peakRssGrowthMiB}`]);
  const ok = (met: boolean | null) => (met === null ? 'not run' : met ? 'met' : 'NOT MET');
  const pct = (share: number | null) => (share === null ? '-' : `${(100 * share).toFixed(2)} %`);
  console.log(`\nbench:download — ${report.fileBytes} bytes (${(report.fileBytes / 1024 ** 3).toFixed(2)} GiB) WAV, ${report.rounds} rounds, curl, the Node loop and the worker writing to the same disk\n`);
  console.log(table(rows));
  if (kill) {
    console.log(
      `\nkill test: SIGKILL at ${pct(report.killedAtShare)} (${kill.killedAtBytes} bytes in .part); last heartbeat on the server: ` +
        `${kill.heartbeatAtKill ? `${kill.heartbeatAtKill.bytes} bytes, etag ${kill.heartbeatAtKill.etag ?? 'none'}` : 'none'}; ` +
        `the new worker's attempt ${kill.finalAttempt} resumed from ${kill.resumedFrom} bytes, ${report.recoverySeconds} s after the kill ` +
        `(mostly the 30 s heartbeat timeout); sandbox served ${kill.servedBytes} bytes in all; sha256 ${kill.sha256} ` +
        `${kill.sha256Matches ? 'matches the served file' : 'DIFFERS from the served file'}\n`,
    );
  }
  if (report.eagerDispatch) {
    const e = report.eagerDispatch;
    console.log(
      `\neager activity dispatch, ${e.conversionsPerSide} conversions a side: download scheduled → started, median ${e.medianDispatchMsAllowed} ms allowed ` +
        `(${e.sameMillisecondAllowed} within 1 ms), ${e.medianDispatchMsNotAllowed} ms not allowed (${e.sameMillisecondNotAllowed} within 1 ms)\n`,
    );
  }
  const value = (v: number | null, unit = '') => (v === null ? '-' : `${v}${unit}`);
  console.log(
    table([
      ['figure', 'value', 'goal', ''],
      ['download ratio vs the Node loop (median)', String(report.downloadRatioVsNodeLoop), `≥ ${GOALS.downloadRatioVsNodeLoop}`, ok(report.meetsGoals.downloadRatioVsNodeLoop)],
      ['throughput ratio vs curl (median)', String(report.throughputRatioVsCurl), `≥ ${GOALS.throughputRatioVsCurl}`, ok(report.meetsGoals.throughputRatioVsCurl)],
      ['peak RSS growth (max over rounds)', `${report.peakRssGrowthMiB} MiB`, `≤ ${GOALS.peakRssGrowthMiB} MiB`, ok(report.meetsGoals.peakRssGrowthMiB)],
      ['refetched share after kill', pct(report.refetchedShareAfterKill), `≤ ${pct(GOALS.refetchedShareAfterKill)}`, ok(report.meetsGoals.refetchedShareAfterKill)],
      ['S3: activity vs SDK upload (median)', value(report.s3RatioVsSdkUpload), `≥ ${GOALS.s3RatioVsSdkUpload}`, ok(report.meetsGoals.s3RatioVsSdkUpload)],
      ['S3: peak RSS growth (max)', value(report.s3PeakRssGrowthMiB, ' MiB'), `≤ ${GOALS.s3PeakRssGrowthMiB} MiB`, ok(report.meetsGoals.s3PeakRssGrowthMiB)],
    ]),
  );
  if (s3Runs.length > 0) {
    console.log(
      `\nS3 (SeaweedFS on loopback, ${report.s3PartMiB} MiB parts): ` +
        s3Runs.map((r, i) => `round ${i + 1} SDK ${mibps(r.bytes, r.sdkSeconds)} MiB/s, activity ${mibps(r.bytes, r.activitySeconds)} MiB/s, RSS +${r.peakRssGrowthMiB.toFixed(1)} MiB`).join('; '),
    );
  }
  console.log(`\nSHA-256 in one process: node:crypto ${report.sha256NodeCryptoMiBps} MiB/s, hash-wasm ${report.sha256HashWasmMiBps} MiB/s`);
  console.log(`\ntotal ${report.totalSeconds} s`);
  console.log(JSON.stringify(report));
  // `npm run bench` reports the last figure beside its own (bench/pipeline/download-ratio.ts).
  mkdirSync(dirname(DOWNLOAD_RESULT_FILE), { recursive: true });
  writeFileSync(DOWNLOAD_RESULT_FILE, JSON.stringify(report));
}

// ---------------------------------------------------------------- small helpers

async function assertCurl(): Promise<void> {
  await run('curl', ['--version']).catch(() => {
    throw new Error('curl is needed for the baseline and was not found on PATH');
  });
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolvePromise(out) : reject(new Error(`${command} exited with ${code}: ${err.trim()}`))));
  });
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function freeBytes(dir: string): Promise<number> {
  const fs = await statfs(dir);
  return fs.bavail * fs.bsize;
}


/**
 * Waits until every file request of `task` has ended: the sandbox counts bytes as it sends them,
 * so its count is then final. A request ends a moment after its client does (the dead worker's,
 * once the kernel closed its connection); one still open a minute after the download ended is a
 * file host that missed the close, and that is what the error says.
 */
async function requestsEnded(task: SandboxTask, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (task.fileRequestsOpen > 0) {
    if (Date.now() > deadline) throw new Error(`${task.fileRequestsOpen} file request(s) of ${task.wavTaskId} still open ${timeoutMs / 1000} s after the download ended`);
    await sleep(10);
  }
}

const mib = (bytes: number) => Math.floor(bytes / MiB);
const mibps = (bytes: number, seconds: number) => (bytes / MiB / seconds).toFixed(1);
const noop = () => {};
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop };

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
