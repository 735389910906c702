import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import type { WorkerDeploymentVersion } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { obtainTemporalCli } from '../../src/local-servers';
import { applyCurrentVersionPolicy, DEV_MACHINE_VERSIONING } from '../../src/versioning';
import { Metrics } from '../../src/metrics';
import { conversionSinks, workflowInterceptorModules } from '../../src/app';
import { providerCallbackSignal } from '../../src/workflows';
import { commandsOf, patchIdsOf } from '../support/histories/commands';
import { bundleWorkflowModule, replies, ScenarioHarness, type ScenarioRun } from '../support/scenarios';
import { waitFor } from '../support/wait-for';
import { ANNOUNCE_BUILD_PATCH } from './deploy/build-b-patched';

/**
 * A real deploy against the dev server, driven with the README's `temporal worker deployment`
 * commands. Build A is the current code; build B (deploy/build-b.ts) adds an activity before
 * the conversion, a command change A's histories cannot replay.
 */
const address = process.env.WAVFLOW_TEST_TEMPORAL_ADDRESS as string;
const buildA = process.env.WAVFLOW_TEST_WORKFLOW_BUNDLE as string;
const WAITS = { pollIntervalMs: 600_000 };
let cliPath: string;
let buildB = '';
let buildBPatched = '';

beforeAll(async () => {
  cliPath = await obtainTemporalCli({ projectDir: resolve(__dirname, '../..'), explicitPath: process.env.TEMPORAL_CLI_PATH, log: () => {} });
  const bundle = (file: string) => bundleWorkflowModule(resolve(__dirname, 'deploy', file), workflowInterceptorModules);
  [buildB, buildBPatched] = [await bundle('build-b.ts'), await bundle('build-b-patched.ts')];
});
afterAll(async () => {
  await Promise.all([buildB, buildBPatched].filter(Boolean).map((path) => rm(path, { force: true })));
});

/** The Temporal CLI (v1.5.1), exactly as the README's "Deploying a new version" runs it. */
async function temporalCli(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(cliPath, [...args, '--address', address]);
  return stdout;
}

/** Retries a deployment command until the server has seen the new version's pollers. */
const deploymentCommand = (what: string, ...args: string[]) => waitFor(what, () => temporalCli('worker', 'deployment', ...args).then(() => true), 30_000, 250);

/** Plays a conversion to its end by callback; builds B first announce themselves. */
async function completeByCallback(run: ScenarioRun, { submitted = false } = {}) {
  if (!submitted) await (await run.call('submitConversion')).resolve(replies.submitted());
  await run.signal(providerCallbackSignal, replies.callback(200, replies.WAV_URL));
  await (await run.call('pollConversion')).resolve(replies.record('SUCCESS', replies.WAV_URL));
  await (await run.call('downloadWav')).resolve(replies.downloaded(run.workflowId));
  expect(await run.outcome()).toMatchObject({ status: 'completed' });
}

/** The first thing a conversion asked for: `announceBuild` on build B, `submitConversion` on A. */
async function firstCall(run: ScenarioRun): Promise<string> {
  const history = await waitFor(`${run.workflowId} to schedule an activity`, async () => {
    const h = await run.handle.fetchHistory();
    return commandsOf(h).some((c) => c.startsWith('ScheduleActivity')) && h;
  });
  return (commandsOf(history).find((c) => c.startsWith('ScheduleActivity')) as string).slice('ScheduleActivity '.length);
}

/** The build id of every workflow task the conversion's runs completed: the build that ran it. */
async function buildsThatRan(run: ScenarioRun): Promise<string[]> {
  const tasks = (await run.histories()).flatMap((h) => h.events ?? []).map((e) => e.workflowTaskCompletedEventAttributes).filter(Boolean);
  return [...new Set(tasks.map((t) => (t as temporal.api.history.v1.IWorkflowTaskCompletedEventAttributes).deploymentVersion?.buildId ?? 'unversioned'))];
}

const runningOn = async (version: WorkerDeploymentVersion) =>
  Number(/\d+/.exec(await temporalCli('workflow', 'count', '--query', `TemporalWorkerDeploymentVersion='${version.deploymentName}:${version.buildId}' AND ExecutionStatus='Running'`))?.[0]);

test('Worker Versioning: A\'s conversions finish on A while new ones run on B; a rollback sends new ones to A again', async () => {
  const deploymentName = `wavflow-deploy-${randomUUID().slice(0, 8)}`;
  const a = { deploymentName, buildId: '0.1.0+build-a' };
  const b = { deploymentName, buildId: '0.1.0+build-b' };
  const harness = await ScenarioHarness.start({ address, workflowBundlePath: buildA, deployment: a, extraActivities: ['announceBuild'] });
  try {
    // A fresh deployment: the first build's worker makes itself current (what `wavflow worker` does).
    const service = harness.client.workflowService;
    expect(await applyCurrentVersionPolicy(service, { namespace: 'default', version: a, policy: 'if-none' })).toBe('set');
    const startedOnA = await harness.start(WAITS, 'on-a');
    await (await startedOnA.call('submitConversion')).resolve(replies.submitted());

    // Deploy B next to A. It does not promote itself: the deployment already has a current version.
    await harness.addBuild({ workflowBundlePath: buildB, deployment: b });
    expect(await applyCurrentVersionPolicy(service, { namespace: 'default', version: b, policy: 'if-none' })).toBe('left-to-operator');
    await waitFor('build B in the deployment', async () => (await temporalCli('worker', 'deployment', 'describe', '--name', deploymentName)).includes(b.buildId));

    // Ramp B (100 %: every new conversion, so the test can tell), then make it current.
    await deploymentCommand('ramping B', 'set-ramping-version', '--deployment-name', deploymentName, '--build-id', b.buildId, '--percentage', '100', '--yes');
    const ramped = await harness.start(WAITS, 'ramped');
    expect(await firstCall(ramped)).toBe('announceBuild');
    // Calling a ramp off sends new conversions back to the current version, A.
    await deploymentCommand('ramp removed', 'set-ramping-version', '--deployment-name', deploymentName, '--build-id', b.buildId, '--delete', '--yes');
    const afterRampOff = await harness.start(WAITS, 'ramp-off');
    expect(await firstCall(afterRampOff)).toBe('submitConversion');
    await deploymentCommand('B current', 'set-current-version', '--deployment-name', deploymentName, '--build-id', b.buildId, '--yes');
    const bCurrent = new RegExp(`CurrentVersionBuildID\\s+${b.buildId.replace('+', '\\+')}`);
    await waitFor('the CLI to show B as current', async () => bCurrent.test(await temporalCli('worker', 'deployment', 'describe', '--name', deploymentName).catch(() => '')), 30_000, 250);
    const startedOnB = await harness.start(WAITS, 'on-b');
    expect(await firstCall(startedOnB)).toBe('announceBuild');
    for (const run of [ramped, startedOnB]) await (await run.call('announceBuild')).resolve(undefined);

    // A drains: its conversion is still running there, and finishes there, on A's code.
    expect(await temporalCli('worker', 'deployment', 'describe-version', '--deployment-name', deploymentName, '--build-id', a.buildId)).toMatch(/DrainageStatus\s+draining/);
    await waitFor('two conversions running on A', async () => (await runningOn(a)) === 2);
    await completeByCallback(startedOnA, { submitted: true });
    await completeByCallback(afterRampOff);
    await waitFor('no conversion running on A', async () => (await runningOn(a)) === 0);
    for (const run of [ramped, startedOnB]) await completeByCallback(run);
    expect(await buildsThatRan(startedOnA)).toEqual([a.buildId]);
    expect(await buildsThatRan(afterRampOff)).toEqual([a.buildId]);
    expect(await buildsThatRan(ramped)).toEqual([b.buildId]);
    expect(await buildsThatRan(startedOnB)).toEqual([b.buildId]);
    expect((await startedOnA.handle.describe()).raw.workflowExecutionInfo?.versioningInfo).toMatchObject({ deploymentVersion: a });

    // Roll back: A is current again, and new conversions run on A's code.
    await deploymentCommand('A current again', 'set-current-version', '--deployment-name', deploymentName, '--build-id', a.buildId, '--yes');
    const afterRollback = await harness.start(WAITS, 'rolled-back');
    expect(await firstCall(afterRollback)).toBe('submitConversion');
    await completeByCallback(afterRollback);
    expect(await buildsThatRan(afterRollback)).toEqual([a.buildId]);
  } finally {
    await harness.stop();
  }
});

test('without versioning, the same change behind patched(): A\'s conversion finishes on the new code, its history replays', async () => {
  const harness = await ScenarioHarness.start({ address, workflowBundlePath: buildA, extraActivities: ['announceBuild'] });
  try {
    const startedOnA = await harness.start(WAITS, 'unversioned-a');
    await (await startedOnA.call('submitConversion')).resolve(replies.submitted());

    // One build at a time: A's worker stops, the patched B takes the queue.
    await harness.builds[0]?.stop();
    await harness.addBuild({ workflowBundlePath: buildBPatched });
    await completeByCallback(startedOnA, { submitted: true });
    const [historyOfA] = await startedOnA.histories();
    expect(patchIdsOf(historyOfA)).not.toContain(ANNOUNCE_BUILD_PATCH);
    expect(commandsOf(historyOfA)).not.toContain('ScheduleActivity announceBuild');

    const startedOnB = await harness.start(WAITS, 'unversioned-b');
    expect(await firstCall(startedOnB)).toBe('announceBuild');
    await (await startedOnB.call('announceBuild')).resolve(undefined);
    await completeByCallback(startedOnB);
    expect(patchIdsOf((await startedOnB.histories())[0])).toContain(ANNOUNCE_BUILD_PATCH);

    // The patch is what makes it safe: the same change without it cannot replay A's history.
    const replay = (bundle: string) =>
      Worker.runReplayHistory({ workflowBundle: { codePath: bundle }, sinks: conversionSinks(new Metrics()) }, historyOfA, startedOnA.workflowId).then(() => 'replayed', (err: unknown) => String(err));
    expect(await replay(buildBPatched)).toBe('replayed');
    expect(await replay(buildB)).toMatch(/TMPRL1100|[Nn]ondeterminism/);
  } finally {
    await harness.stop();
  }
});

test('npm start\'s builds: a conversion started on one dev build finishes on the next, nothing waits for a build that is gone', async () => {
  const deploymentName = `wavflow-dev-${randomUUID().slice(0, 8)}`;
  const [first, next] = [{ deploymentName, buildId: '0.1.0+commit-1' }, { deploymentName, buildId: '0.1.0+commit-2' }];
  const { currentVersion: policy, versioningBehavior } = DEV_MACHINE_VERSIONING;
  const harness = await ScenarioHarness.start({ address, workflowBundlePath: buildA, deployment: first, versioningBehavior });
  try {
    const service = harness.client.workflowService;
    expect(await applyCurrentVersionPolicy(service, { namespace: 'default', version: first, policy })).toBe('set');
    const startedBefore = await harness.start(WAITS, 'dev-before');
    await (await startedBefore.call('submitConversion')).resolve(replies.submitted());

    // A commit later, `npm start` again: the first build's worker is gone, the next one takes over.
    await harness.builds[0]?.stop();
    await harness.addBuild({ workflowBundlePath: buildA, deployment: next, versioningBehavior });
    expect(await applyCurrentVersionPolicy(service, { namespace: 'default', version: next, policy })).toBe('set');
    await completeByCallback(startedBefore, { submitted: true });
    expect(await buildsThatRan(startedBefore)).toEqual([first.buildId, next.buildId]);
  } finally {
    await harness.stop();
  }
});

describe('wavflow worker on a fresh deployment', () => {
  const workers: ChildProcess[] = [];
  afterAll(async () => {
    for (const worker of workers.filter((w) => w.exitCode === null && w.signalCode === null)) {
      worker.kill('SIGTERM');
      await new Promise((done) => worker.once('exit', done));
    }
  });

  /** `wavflow worker` as deployed, with only the deployment (and queue) of its own. */
  function startWorker(env: Record<string, string>) {
    const worker = spawn(process.execPath, [resolve(__dirname, '../../dist/cli.js'), 'worker'], {
      env: { ...process.env, TEMPORAL_ADDRESS: address, WORKER_METRICS_PORT: '0', LOG_LEVEL: 'info', PROVIDER_BASE_URL: 'http://127.0.0.1:9', ...env },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    workers.push(worker);
    const lines: Array<Record<string, unknown>> = [];
    createInterface({ input: worker.stdout }).on('line', (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
    return (outcome: string) => waitFor(`the worker to log "${outcome}"`, () => lines.find((l) => l.msg === `worker deployment version: ${outcome}`), 30_000);
  }

  test('the first build makes itself current with no extra step and pins what starts on it; the next build waits for the operator', async () => {
    const deploymentName = `wavflow-fresh-${randomUUID().slice(0, 8)}`;
    const taskQueue = `fresh-${randomUUID()}`;
    const { version, source } = JSON.parse(await readFile(resolve(__dirname, '../../dist/build-info.json'), 'utf8')) as { version: string; source: string };
    const firstBuild = `${version}+${source}`;

    const first = startWorker({ WORKER_DEPLOYMENT_NAME: deploymentName, TEMPORAL_TASK_QUEUE: taskQueue });
    expect(await first('set')).toMatchObject({ deploymentName, buildId: firstBuild });
    const second = startWorker({ WORKER_DEPLOYMENT_NAME: deploymentName, TEMPORAL_TASK_QUEUE: taskQueue, WORKER_BUILD_ID: 'next-build' });
    expect(await second('left-to-operator')).toMatchObject({ buildId: 'next-build' });
    // The CLI reads the deployment a moment after the worker set it ("Worker Deployment not found" first, once in CI).
    const current = new RegExp(`CurrentVersionBuildID\\s+${firstBuild.replace('+', '\\+')}`);
    await waitFor('the CLI to show the first build as current', async () => current.test(await temporalCli('worker', 'deployment', 'describe', '--name', deploymentName).catch(() => '')), 30_000, 250);

    const client = new Client({ connection: await Connection.connect({ address }) });
    try {
      const handle = await client.workflow.start('convertToWav', { taskQueue, workflowId: `fresh-${randomUUID().slice(0, 8)}`, args: [{ audioId: 'fresh' }] });
      const versioning = await waitFor('the conversion to be pinned', async () => {
        const info = (await handle.describe()).raw.workflowExecutionInfo?.versioningInfo;
        return info?.deploymentVersion ? info : undefined;
      });
      expect(versioning.deploymentVersion).toMatchObject({ deploymentName, buildId: firstBuild });
      // Pinned, not merely started there: an auto-upgrading conversion would move to the next build.
      expect(versioning.behavior).toBe(temporal.api.enums.v1.VersioningBehavior.VERSIONING_BEHAVIOR_PINNED);
      await handle.terminate('test over');
    } finally {
      await client.connection.close();
    }
  });
});
