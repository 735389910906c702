/**
 * The scenario harness: convertToWav, from any workflow bundle, on a real worker against a real
 * Temporal server, with every activity replaced by a double that blocks until the test answers.
 * Races are forced, not hoped for: the test decides what happens before each call returns.
 *
 *   const harness = await ScenarioHarness.start({ address, workflowBundlePath });  // bundleWorkflows(checkoutDir) for another commit
 *   const run = await harness.start({ pollIntervalMs: 600_000 });
 *   const submitting = await run.call('submitConversion');         // the workflow's next call of that activity, held open
 *   await run.signal(providerCallbackSignal, callback(200, WAV_URL)); // returns once a workflow task handled it
 *   submitting.resolve(submitted());                                // or .fail('InsufficientCredits'[, { retryable: true }])
 *   (await run.call('pollConversion')).resolve(record('SUCCESS', WAV_URL));
 *   const downloading = await run.call('downloadWav');
 *   await run.cancel(); await downloading.cancelled;                // the download saw the cancellation
 *   await run.outcome();   // { status: 'completed' | 'failed' | 'cancelled', ... }
 *   await run.histories(); // one per run (continue-as-new makes more)
 *   await harness.stop();
 *
 * `call` and `signal` wait with a deadline and fail with what the workflow did instead. A call
 * carries `input`, `attempt` (a retryable failure brings it back with attempt + 1) and `runId`;
 * `resolve`/`fail` return once a workflow task has handled the answer.
 *
 * Deploys: `deployment` makes the first build's worker versioned (pinned, as `wavflow worker`);
 * `harness.addBuild({ workflowBundlePath, deployment })` starts another build on the same queues
 * and `build.stop()` retires one. Provider calls go to one unversioned `<queue>-provider` worker,
 * as in production; `extraActivities` adds doubles a test-only workflow calls.
 * catalogue.ts plays every path the frozen histories cover; play.ts runs them.
 */
export { ScenarioHarness, ScenarioRun, type HarnessOptions, type BuildOptions, type RunningBuild, type Outcome } from './harness';
export { PendingCall, ACTIVITY_NAMES, type ActivityName, type FailOptions } from './calls';
export { scenarios, type Scenario } from './catalogue';
export { playScenario, playAll, historyFileNames, type Played } from './play';
export { bundleWorkflows, bundleWorkflowModule } from './bundle';
export * as replies from './replies';
