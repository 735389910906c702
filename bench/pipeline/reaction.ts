import { startConversion, waitForConversion } from '../../src/conversions';
import { mapWithConcurrency } from '../../src/lib';
import { measure } from '../support';
import type { PipelineStack } from './stack';
import type { TaskReport } from '../processes/sandbox';
import { mean, quantile, round, say, sleep } from '../support';
import { count, downloadTimes, waitFor } from './workflow-times';

/**
 * Reaction latency: from the sandbox sending a success callback to the download starting (the
 * time of downloadWav's ActivityTaskStarted event: when the worker took the task). In between:
 * the receiver signals, the workflow confirms with one record-info call, schedules the download.
 *
 * Callback side: conversions are started with their callbacks held by the sandbox, so every
 * callback reaches a workflow that is already waiting (not one still handling its submit); then
 * they are released one at a time at a steady rate, as a provider finishing conversions would.
 * Poll-only side: callbacks dropped, the default 30 s poll interval, and conversion times spread
 * evenly over one interval, so the wait for the next poll is what it would be for conversions
 * finishing at random moments. Its delay runs from the sandbox finishing the conversion (when the
 * callback would have been sent) to the same ActivityTaskStarted.
 */
export interface ReactionOptions {
  callbackConversions: number;
  releasePerSecond: number;
  pollConversions: number;
  pollIntervalSeconds: number;
}

export async function reactionPhase(stack: PipelineStack, options: ReactionOptions) {
  const { client, sandbox } = stack;
  const worker = await stack.startWorker('wavflow', 'reaction');
  try {
    const start = (audioId: string, pollIntervalSeconds: number) =>
      startConversion(client, { audioId }, { taskQueue: worker.taskQueue, defaultPollIntervalSeconds: pollIntervalSeconds, startedBy: 'bench' });

    // ---- callbacks
    const cbPrefix = `${worker.taskQueue}-cb`;
    const cbIds = Array.from({ length: options.callbackConversions }, (_, i) => `${cbPrefix}-${i}`);
    await sandbox.rpc.call('hold', true);
    say(`reaction: starting ${cbIds.length} conversions, callbacks held`);
    // A poll interval far beyond the phase: no poll can answer before the callback does.
    await measure((i) => start(cbIds[i]!, 3600).then(() => undefined), cbIds.length, 25);
    await waitFor(
      'reaction: waiting conversions',
      async () => {
        const waiting = await count(client, `TaskQueue="${worker.taskQueue}" AND WavStatus="waiting"`);
        return { done: waiting >= cbIds.length, progress: `${waiting} waiting` };
      },
      5 * 60_000,
    );
    await sandbox.rpc.call('hold', false);
    say(`reaction: releasing the ${cbIds.length} callbacks, ${options.releasePerSecond} per second`);
    const releases: Array<Promise<unknown>> = [];
    const releaseStarted = performance.now();
    for (let i = 0; i < cbIds.length; i++) {
      // Paced from the start, so a slow release does not bunch up the next ones.
      await sleep(releaseStarted + (i * 1000) / options.releasePerSecond - performance.now());
      releases.push(sandbox.rpc.call('release', 1));
    }
    await Promise.all(releases);
    const cbResults = await Promise.all(cbIds.map((id) => waitForConversion(client, `wav-${id}`)));
    const sent = new Map((await sandbox.rpc.call<TaskReport[]>('report', cbPrefix)).map((t) => [t.audioId, t]));
    const cbTimes = await mapWithConcurrency(cbIds, 20, async (id) => ({ id, ...(await downloadTimes(client, `wav-${id}`)) }));
    const sentAt = (id: string) => sent.get(id)?.callbackSentAt ?? NaN;
    const toStarted = cbTimes.map((t) => t.startedAt - sentAt(t.id));
    const toScheduled = cbTimes.map((t) => t.scheduledAt - sentAt(t.id));
    const toSignaled = cbTimes.map((t) => (t.signaledAt ?? NaN) - sentAt(t.id));
    const notByCallback = cbResults.filter((r) => r.answeredBy !== 'callback').length;
    if (toStarted.some((v) => !Number.isFinite(v))) throw new Error('reaction: a callback conversion has no send time or no download start');

    // ---- poll only
    const pollPrefix = `${worker.taskQueue}-poll`;
    const pollIds = Array.from({ length: options.pollConversions }, (_, i) => `${pollPrefix}-${i}`);
    // Finishing times spread evenly over 28 s of the 30 s interval: all finish before the first
    // poll (one that just missed it would wait a second interval, and double the phase's length).
    const spreadMs = options.pollIntervalSeconds * 1000 - 2_000;
    await Promise.all(pollIds.map((id, i) => sandbox.rpc.call('setScenario', id, { callback: 'drop', conversionDelayMs: Math.round(((i + 0.5) / pollIds.length) * spreadMs) })));
    say(`reaction: ${pollIds.length} poll-only conversions (callbacks dropped, ${options.pollIntervalSeconds} s poll interval), about ${options.pollIntervalSeconds + 5} s`);
    await measure((i) => start(pollIds[i]!, options.pollIntervalSeconds).then(() => undefined), pollIds.length, 25);
    const pollResults = await Promise.all(pollIds.map((id) => waitForConversion(client, `wav-${id}`)));
    const completed = new Map((await sandbox.rpc.call<TaskReport[]>('report', pollPrefix)).map((t) => [t.audioId, t]));
    const pollTimes = await mapWithConcurrency(pollIds, 20, async (id) => ({ id, ...(await downloadTimes(client, `wav-${id}`)) }));
    const pollDelays = pollTimes.map((t) => t.startedAt - (completed.get(t.id)?.completedAt ?? NaN));
    const notByPoll = pollResults.filter((r) => r.answeredBy !== 'poll').length;

    const reactionMeanMs = mean(toStarted);
    const pollOnlyMeanMs = mean(pollDelays);
    return {
      reactionP50Ms: round(quantile(toStarted, 0.5), 1),
      reactionP99Ms: round(quantile(toStarted, 0.99), 1),
      reactionMeanMs: round(reactionMeanMs, 1),
      reactionMaxMs: round(Math.max(...toStarted), 1),
      reactionScheduledP50Ms: round(quantile(toScheduled, 0.5), 1),
      reactionScheduledP99Ms: round(quantile(toScheduled, 0.99), 1),
      callbackToSignalP50Ms: round(quantile(toSignaled, 0.5), 1),
      callbackToSignalP99Ms: round(quantile(toSignaled, 0.99), 1),
      reactionConversions: toStarted.length,
      releasePerSecond: options.releasePerSecond,
      pollOnlyMeanMs: round(pollOnlyMeanMs, 0),
      pollOnlyP50Ms: round(quantile(pollDelays, 0.5), 0),
      pollOnlyMaxMs: round(Math.max(...pollDelays), 0),
      pollOnlyConversions: pollDelays.length,
      pollIntervalSeconds: options.pollIntervalSeconds,
      pollOnlyRatio: round(pollOnlyMeanMs / reactionMeanMs, 1),
      pollOnlyP50Ratio: round(quantile(pollDelays, 0.5) / quantile(toStarted, 0.5), 1),
      reactionNotAnsweredByCallback: notByCallback,
      pollOnlyNotAnsweredByPoll: notByPoll,
    };
  } finally {
    await worker.stop();
  }
}
