import { tsToMs } from '@temporalio/common';
import pino from 'pino';
import type { Scenario } from '../../src/sandbox';
import { createApp, listen } from '../../src/server';
import { sampleSum, type Sample } from '../../test/support/prometheus';
import { historyActions, sumCounts, totalActions, type ActionCounts } from './billable-actions';
import { COST_TASK_QUEUE, startCostStack, type CostStack } from './stack';
import { measure } from '../support';
import { closeOnSignals, mean, round, say, sleep } from '../support';
import { connectWatchers, perPath, snapshot, watchOnAllPaths, WATCH_PATHS, type WatchCost, type WatchPath } from './watchers';

/**
 * What one conversion costs, per path: history events, billable actions (Temporal Cloud's list:
 * bench/billable-actions.ts for what a history shows, the server's own `action` metric for
 * heartbeats and queries), history bytes (the server's figure), and CPU per process. Each short
 * path is a batch of conversions in a window of its own, so the server's metrics and each
 * process's CPU time over the window are that path's.
 *
 * The one-hour wait does not take an hour: waits of a few lengths (default 1, 2 and 4 minutes, the
 * real 30 s poll interval) run at once, with the poll path as a wait of half a minute. Their exact
 * counts lie on a line (the fit's residuals are printed), which gives the hour; the CPU of one
 * more poll is measured in a window where only the longest wait is polling.
 */

export type ShortPath = 'callback' | 'poll' | 'failure' | 'resumed';
export type CostPath = ShortPath | 'wait1h';
export const SHORT_PATHS: ShortPath[] = ['callback', 'poll', 'failure', 'resumed'];
export const COST_PATHS: CostPath[] = [...SHORT_PATHS, 'wait1h'];

export const POLL_INTERVAL_SECONDS = 30;
/** Processes whose CPU a conversion costs (bench/cost-stack.ts names them). */
const STACK_PROCESSES = ['temporal server', 'worker', 'http server', 'sandbox'];
/**
 * The provider finishes halfway between two polls, so which poll answers never races: the poll
 * path's first poll (30 s), a wait of W minutes' poll at W minutes.
 */
const finishingBefore = (pollSeconds: number) => (pollSeconds - POLL_INTERVAL_SECONDS / 2) * 1000;

/** How each path's conversions go, as the sandbox provider plays them (src/sandbox/scenario.ts). */
export const PATH_SCENARIOS: Record<ShortPath, Scenario> = {
  // The callback comes 2 s after submit, while the conversion waits (npm start's demo).
  callback: { conversionDelayMs: 2_000 },
  // The callback is lost; the first poll, 30 s in, finds the file.
  poll: { callback: 'drop', conversionDelayMs: finishingBefore(POLL_INTERVAL_SECONDS) },
  // The provider fails (GENERATE_WAV_FAILED, callback code 500) 2 s after submit.
  failure: { conversionDelayMs: 2_000, failure: { state: 'GENERATE_WAV_FAILED', callbackCode: 500 } },
  // Answered by callback; the first file request is cut at half the file, the retry resumes.
  resumed: { conversionDelayMs: 2_000, cutAfterFraction: 0.5 },
};
const waitScenario = (minutes: number): Scenario => ({ callback: 'drop', conversionDelayMs: finishingBefore(minutes * 60) });

/** Figures of one path, per conversion. */
export interface PathCost {
  conversions: number;
  outcomes: Record<string, number>;
  events: number;
  /** Billable: what the history shows, plus heartbeats and queries from the server's metric. */
  actions: number;
  actionsByKind: ActionCounts & { heartbeat?: number; query?: number };
  historyBytes: number;
  /** CPU ms per conversion per process, net of what each process uses idle. */
  cpuMs: Record<string, number>;
  /** The server's own `action` metric by action_type (it also counts what Cloud exempts: patch markers, TemporalChangeVersion). */
  serverActions: Record<string, number>;
  /** The `resumed` path: where the downloads' last attempts started (bytes). */
  resumedFrom?: number[];
  seconds: number;
}

export interface WaitFit {
  /** Points of the line: minutes waited → per-conversion events, actions, history bytes. */
  points: Array<{ minutes: number; conversions: number; events: number; actions: number; historyBytes: number }>;
  perMinute: { events: number; actions: number; historyBytes: number };
  /** Largest distance of a point from the line. */
  maxResidual: { events: number; actions: number; historyBytes: number };
  /** CPU ms of one more 30 s poll cycle, per process (net of idle), and how many polls that was measured over. */
  cpuMsPerPoll: Record<string, number>;
  pollsInCpuWindow: number;
}

export interface WatchFigures {
  /** Per short path: what one client following one conversion sent, by watching path. */
  perPath: Record<ShortPath, Record<WatchPath, WatchCost>>;
  /** The wait: per minute of waiting, and a one-hour wait (the conversion as measured plus the rate for the rest). */
  waitPerMinute: Record<WatchPath, { queries: number; rpcs: number }>;
  wait1h: Record<WatchPath, { queries: number; rpcs: number }>;
}

export interface CostFigures {
  paths: Record<CostPath, PathCost>;
  wait: WaitFit;
  watch?: WatchFigures;
  idleCpuMsPerSecond: Record<string, number>;
  /** Cores the rest of the machine kept busy on average during the phase: other work skews CPU figures. */
  otherCores: number;
  sizes: CostSizes;
}

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
/** The sizes of a run: BENCH_COST_* over `defaults` over the full run's. */
export const costSizes = (defaults: Partial<CostSizes> = {}): CostSizes => ({
  conversions: Number(env('BENCH_COST_CONVERSIONS', String(defaults.conversions ?? 50))),
  waitConversions: Number(env('BENCH_COST_WAIT_CONVERSIONS', String(defaults.waitConversions ?? 20))),
  waitMinutes: env('BENCH_COST_WAIT_MINUTES', (defaults.waitMinutes ?? [1, 2, 4]).join(','))
    .split(',')
    .map(Number),
  watch: env('BENCH_COST_WATCH', String(defaults.watch ?? true)) !== 'false',
});

export interface CostSizes {
  /** Conversions per short path. */
  conversions: number;
  /** Conversions per wait length. */
  waitConversions: number;
  waitMinutes: number[];
  /** Watch one conversion of each path on the four watching paths (bench/watchers.ts). */
  watch: boolean;
}

interface Conversion {
  id: string;
  status: string;
  resumedFrom?: number;
}

/** The cost phase on a stack running `checkout`'s built CLI. */
export async function measureCheckout(checkout: string, sizes: CostSizes): Promise<CostFigures> {
  const stack = await startCostStack({ checkout });
  const undo = closeOnSignals(() => stack.close());
  try {
    return await costPhase(stack, sizes);
  } finally {
    await stack.close();
    undo();
  }
}

export async function costPhase(stack: CostStack, sizes: CostSizes): Promise<CostFigures> {
  const run = `${Date.now().toString(36)}`;
  const phaseFrom = { at: Date.now(), cpu: stack.cpu() };
  // Warm-up: the worker's first workflow bundle load, JIT, connections; not measured.
  say('cost: warm-up');
  await startAndSettle(stack, `cost-${run}-warmup`, 5, PATH_SCENARIOS.callback);

  say('cost: idle CPU over 10 s');
  const idleFrom = { at: Date.now(), cpu: stack.cpu() };
  await sleep(10_000);
  const idleSeconds = (Date.now() - idleFrom.at) / 1000;
  const idleCpuMsPerSecond = Object.fromEntries(Object.entries(stack.cpu()).map(([name, v]) => [name, round((1000 * (v - (idleFrom.cpu[name] ?? 0))) / idleSeconds, 2)]));
  // The stack's own processes: the machine's other work and the benchmark's bookkeeping are not a conversion's.
  const netCpuMs = (from: Record<string, number>, to: Record<string, number>, seconds: number) =>
    Object.fromEntries(STACK_PROCESSES.map((name) => [name, 1000 * ((to[name] ?? 0) - (from[name] ?? 0)) - (idleCpuMsPerSecond[name] ?? 0) * seconds]));

  const paths = {} as Record<CostPath, PathCost>;
  for (const path of SHORT_PATHS) {
    say(`cost: ${sizes.conversions} conversions on the ${path} path`);
    const metricsBefore = await stack.serverMetrics();
    const cpuBefore = stack.cpu();
    const started = Date.now();
    const conversions = await startAndSettle(stack, `cost-${run}-${path}`, sizes.conversions, PATH_SCENARIOS[path]);
    const seconds = (Date.now() - started) / 1000;
    const cpuAfter = stack.cpu();
    const metricsAfter = await settledMetrics(stack);
    paths[path] = await pathCost(stack, conversions, metricsBefore, metricsAfter, netCpuMs(cpuBefore, cpuAfter, seconds), seconds);
    say(`cost: ${path}: ${JSON.stringify({ events: paths[path].events, actions: paths[path].actions, byKind: paths[path].actionsByKind })}`);
  }

  say(`cost: waits of ${sizes.waitMinutes.join(', ')} min (${sizes.waitConversions} each, ${POLL_INTERVAL_SECONDS} s polls)${sizes.watch ? ', and one conversion of each path watched by clients' : ''}`);
  const pollPoint = { minutes: POLL_INTERVAL_SECONDS / 60, conversions: paths.poll.conversions, events: paths.poll.events, actions: historyOnly(paths.poll), historyBytes: paths.poll.historyBytes };
  const [wait, watch] = await Promise.all([waitPhase(stack, run, sizes, pollPoint, netCpuMs), sizes.watch ? watchPhase(stack, run) : Promise.resolve(undefined)]);
  paths.wait1h = wait1h(paths.poll, wait);
  const other = (stack.cpu()['other processes'] ?? 0) - (phaseFrom.cpu['other processes'] ?? 0);
  const otherCores = round(other / ((Date.now() - phaseFrom.at) / 1000), 2);
  return { paths, wait, ...(watch ? { watch } : {}), idleCpuMsPerSecond, otherCores, sizes };
}

/** Starts `n` conversions through the API (10 requests in flight) and waits until all are closed. */
async function startAndSettle(stack: CostStack, prefix: string, n: number, scenario: Scenario, pollIntervalSeconds = POLL_INTERVAL_SECONDS): Promise<Conversion[]> {
  const audioIds = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  for (const audioId of audioIds) await stack.sandbox.rpc.call('setScenario', audioId, scenario);
  const ids: string[] = [];
  await measure(
    async (i) => {
      const response = await fetch(`${stack.apiUrl}/v1/conversions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ audioId: audioIds[i], pollIntervalSeconds }),
      });
      const body = (await response.json()) as { conversionId?: string };
      if (response.status !== 201 || !body.conversionId) throw new Error(`POST /v1/conversions answered ${response.status}: ${JSON.stringify(body)}`);
      ids[i] = body.conversionId;
    },
    n,
    10,
  );
  return Promise.all(
    ids.map(async (id) => {
      const handle = stack.client.workflow.getHandle(id);
      try {
        const result = (await handle.result()) as { resumedFrom?: number };
        return { id, status: 'completed', ...(typeof result?.resumedFrom === 'number' ? { resumedFrom: result.resumedFrom } : {}) };
      } catch {
        return { id, status: 'failed' };
      }
    }),
  );
}

/**
 * The server's metrics once its `action` counters stopped moving: it publishes them some time after
 * the fact, so a scrape right after the last conversion closed can miss its last actions.
 */
async function settledMetrics(stack: CostStack): Promise<Sample[]> {
  const actions = (samples: Sample[]) => JSON.stringify(samples.filter((s) => s.name === 'action'));
  let last = await stack.serverMetrics();
  const deadline = Date.now() + 30_000;
  for (;;) {
    await sleep(2_000);
    const next = await stack.serverMetrics();
    if (actions(next) === actions(last) || Date.now() > deadline) return next;
    last = next;
  }
}

interface HistoryFigures {
  events: number;
  actions: ActionCounts;
  historyBytes: number;
}

/** Events and billable actions from the conversion's history; its size as the server counts it. */
async function historyFigures(stack: CostStack, id: string): Promise<HistoryFigures & { pollTimes: number[] }> {
  const handle = stack.client.workflow.getHandle(id);
  const [history, description] = await Promise.all([handle.fetchHistory(), handle.describe()]);
  const events = history.events ?? [];
  const pollScheduled = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'pollConversion');
  return {
    events: events.length,
    actions: historyActions(history),
    historyBytes: Number(description.raw.workflowExecutionInfo?.historySizeBytes ?? NaN),
    pollTimes: pollScheduled.map((e) => (e.eventTime ? tsToMs(e.eventTime) : NaN)),
  };
}

const actionDelta = (before: Sample[], after: Sample[], type: string) => sampleSum(after, 'action', { action_type: type }) - sampleSum(before, 'action', { action_type: type });

function serverActionTypes(before: Sample[], after: Sample[]): Record<string, number> {
  const types = new Set(after.filter((s) => s.name === 'action').map((s) => s.labels.action_type ?? ''));
  const deltas = [...types].map((t): [string, number] => [t, actionDelta(before, after, t)]);
  return Object.fromEntries(deltas.filter(([, n]) => n > 0));
}

async function pathCost(stack: CostStack, conversions: Conversion[], before: Sample[], after: Sample[], cpuMs: Record<string, number>, seconds: number): Promise<PathCost> {
  const n = conversions.length;
  const figures = await Promise.all(conversions.map((c) => historyFigures(stack, c.id)));
  const history = sumCounts(figures.map((f) => f.actions));
  const heartbeats = actionDelta(before, after, 'grpc_RecordActivityTaskHeartbeat') + actionDelta(before, after, 'grpc_RecordActivityTaskHeartbeatById');
  const queries = actionDelta(before, after, 'grpc_QueryWorkflow');
  const byKind: PathCost['actionsByKind'] = Object.fromEntries(Object.entries({ ...history, heartbeat: heartbeats, query: queries }).filter(([, v]) => v > 0).map(([k, v]) => [k, round(v / n, 2)]));
  const outcomes: Record<string, number> = {};
  for (const c of conversions) outcomes[c.status] = (outcomes[c.status] ?? 0) + 1;
  const resumedFrom = conversions.map((c) => c.resumedFrom).filter((r): r is number => r !== undefined);
  return {
    conversions: n,
    outcomes,
    events: round(mean(figures.map((f) => f.events)), 2),
    actions: round((totalActions(history) + heartbeats + queries) / n, 2),
    actionsByKind: byKind,
    historyBytes: Math.round(mean(figures.map((f) => f.historyBytes))),
    cpuMs: Object.fromEntries(Object.entries(cpuMs).map(([name, ms]) => [name, round(ms / n, 2)])),
    serverActions: Object.fromEntries(Object.entries(serverActionTypes(before, after)).map(([t, v]) => [t, round(v / n, 2)])),
    ...(resumedFrom.some((r) => r > 0) ? { resumedFrom: [...new Set(resumedFrom)].sort((a, b) => a - b) } : {}),
    seconds: round(seconds, 1),
  };
}

/**
 * Waits of each length at once. Counts come from every history; the CPU of a poll from a window
 * in which only the longest wait polls (10 s after the second-longest was answered, until 20 s
 * before the longest is), divided by the polls its histories show in that window.
 */
async function waitPhase(
  stack: CostStack,
  run: string,
  sizes: CostSizes,
  pollPoint: WaitFit['points'][number],
  netCpuMs: (from: Record<string, number>, to: Record<string, number>, seconds: number) => Record<string, number>,
): Promise<WaitFit> {
  const minutes = [...sizes.waitMinutes].sort((a, b) => a - b);
  const longest = minutes[minutes.length - 1]!;
  const before = minutes.length > 1 ? minutes[minutes.length - 2]! : 0;
  const t0 = Date.now();
  // With one length only, from after the first poll round.
  const windowFrom = t0 + (before ? before * 60 + 10 : POLL_INTERVAL_SECONDS + 10) * 1000;
  const windowTo = t0 + (longest * 60 - 20) * 1000;
  let cpuWindow: { from: Record<string, number>; to: Record<string, number>; seconds: number } | undefined;
  const cpuTimer = (async () => {
    await sleep(Math.max(0, windowFrom - Date.now()));
    const from = stack.cpu();
    const fromAt = Date.now();
    await sleep(Math.max(0, windowTo - Date.now()));
    const toAt = Date.now();
    if (toAt - fromAt >= 20_000) cpuWindow = { from, to: stack.cpu(), seconds: (toAt - fromAt) / 1000 };
    return { fromAt, toAt };
  })();
  const groups = await Promise.all(minutes.map(async (m) => ({ minutes: m, conversions: await startAndSettle(stack, `cost-${run}-wait${m}`, sizes.waitConversions, waitScenario(m)) })));
  const window = await cpuTimer;
  const points: WaitFit['points'] = [pollPoint];
  let pollsInCpuWindow = 0;
  for (const group of groups) {
    const figures = await Promise.all(group.conversions.map((c) => historyFigures(stack, c.id)));
    const failed = group.conversions.filter((c) => c.status !== 'completed').length;
    if (failed) say(`cost: ${failed} of the ${group.minutes} min waits did not complete`);
    points.push({
      minutes: group.minutes,
      conversions: group.conversions.length,
      events: round(mean(figures.map((f) => f.events)), 2),
      actions: round(mean(figures.map((f) => totalActions(f.actions))), 2),
      historyBytes: Math.round(mean(figures.map((f) => f.historyBytes))),
    });
    pollsInCpuWindow += figures.reduce((sum, f) => sum + f.pollTimes.filter((t) => t >= window.fromAt && t <= window.toAt).length, 0);
  }
  const net = cpuWindow ? netCpuMs(cpuWindow.from, cpuWindow.to, cpuWindow.seconds) : {};
  if (!cpuWindow) pollsInCpuWindow = 0;
  const cpuMsPerPoll = Object.fromEntries(STACK_PROCESSES.map((name) => [name, pollsInCpuWindow ? round((net[name] ?? NaN) / pollsInCpuWindow, 3) : NaN]));
  const fit = (key: 'events' | 'actions' | 'historyBytes') => line(points.map((p) => [p.minutes, p[key]]));
  const [events, actions, bytes] = [fit('events'), fit('actions'), fit('historyBytes')];
  return {
    points,
    perMinute: { events: round(events.slope, 3), actions: round(actions.slope, 3), historyBytes: Math.round(bytes.slope) },
    maxResidual: { events: round(events.maxResidual, 3), actions: round(actions.maxResidual, 3), historyBytes: Math.round(bytes.maxResidual) },
    cpuMsPerPoll,
    pollsInCpuWindow,
  };
}

/** The actions a path's histories show, without heartbeats and queries. */
const historyOnly = (cost: PathCost) => round(cost.actions - (cost.actionsByKind.heartbeat ?? 0) - (cost.actionsByKind.query ?? 0), 2);

/** Least squares through (x, y) points; its slope and the largest distance of a point from it. */
export function line(points: Array<[number, number]>): { slope: number; intercept: number; maxResidual: number } {
  const n = points.length;
  const mx = mean(points.map(([x]) => x));
  const my = mean(points.map(([, y]) => y));
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const slope = n > 1 && sxx > 0 ? points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / sxx : NaN;
  const intercept = my - slope * mx;
  const maxResidual = Math.max(...points.map(([x, y]) => Math.abs(y - (intercept + slope * x))));
  return { slope, intercept, maxResidual };
}

/**
 * A one-hour wait, answered by the poll at 60 minutes: the poll path (answered at 30 s) plus the
 * waits' rate for the other 59.5 minutes; heartbeats as the poll path's (the same download).
 */
function wait1h(poll: PathCost, wait: WaitFit): PathCost {
  const extraMinutes = 60 - POLL_INTERVAL_SECONDS / 60;
  const extraPolls = extraMinutes * (60 / POLL_INTERVAL_SECONDS);
  const perPollAction = wait.perMinute.actions / (60 / POLL_INTERVAL_SECONDS);
  const byKind = { ...poll.actionsByKind };
  // Each poll cycle is a timer and a pollConversion activity; the fit says what it really is.
  byKind.timer = round((byKind.timer ?? 0) + extraPolls * (perPollAction / 2), 1);
  byKind.activity = round((byKind.activity ?? 0) + extraPolls * (perPollAction / 2), 1);
  return {
    conversions: 0,
    outcomes: {},
    events: round(poll.events + wait.perMinute.events * extraMinutes, 1),
    // The line is fitted to what histories show; the download's heartbeats are the poll path's.
    actions: round(poll.actions + wait.perMinute.actions * extraMinutes, 1),
    actionsByKind: byKind,
    historyBytes: Math.round(poll.historyBytes + wait.perMinute.historyBytes * extraMinutes),
    cpuMs: Object.fromEntries(Object.entries(poll.cpuMs).map(([name, ms]) => [name, round(ms + extraPolls * (wait.cpuMsPerPoll[name] ?? NaN), 1)])),
    serverActions: {},
    seconds: 3600,
  };
}

/**
 * One conversion of each short path, and a 2-minute wait, each followed by a client on each of the
 * four watching paths (bench/watchers.ts), all at once. The wait's steady rate is taken from 10 s
 * into its `waiting` phase to its end.
 */
async function watchPhase(stack: CostStack, run: string): Promise<WatchFigures> {
  const WAIT_MINUTES = 2;
  const logger = pino({ level: 'silent' });
  const watchOne = async (label: string, scenario: Scenario) => {
    const watchers = await connectWatchers(stack.temporal.address);
    const api = await listen(
      createApp({ client: watchers.apiPollAfter.client, namespace: 'default', callbackSecret: 'bench-watch-0123456789abcdef', temporalUiUrl: 'http://127.0.0.1:8233', start: { taskQueue: COST_TASK_QUEUE }, logger }),
      0,
      '127.0.0.1',
    );
    try {
      const audioId = `cost-${run}-watch-${label}`;
      await stack.sandbox.rpc.call('setScenario', audioId, scenario);
      const response = await fetch(`${stack.apiUrl}/v1/conversions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ audioId, pollIntervalSeconds: POLL_INTERVAL_SECONDS }),
      });
      const { conversionId } = (await response.json()) as { conversionId: string };
      const start = snapshot(watchers);
      let steadyFrom: { at: number; counts: ReturnType<typeof snapshot> } | undefined;
      let steadyTo: { at: number; counts: ReturnType<typeof snapshot> } | undefined;
      let timer: NodeJS.Timeout | undefined;
      let waitingMinutes = 0;
      let waitingAt = 0;
      await watchOnAllPaths(watchers, conversionId, api.url, (phase) => {
        if (phase === 'waiting') {
          waitingAt = Date.now();
          timer = setTimeout(() => (steadyFrom = { at: Date.now(), counts: snapshot(watchers) }), 10_000);
        }
        if (phase === 'downloading' || phase === 'failed') {
          clearTimeout(timer);
          steadyTo = { at: Date.now(), counts: snapshot(watchers) };
          waitingMinutes = (Date.now() - waitingAt) / 60_000;
        }
      });
      const total = perPath(start, snapshot(watchers));
      const steady = steadyFrom && steadyTo ? { minutes: (steadyTo.at - steadyFrom.at) / 60_000, cost: perPath(steadyFrom.counts, steadyTo.counts) } : undefined;
      return { total, steady, waitingMinutes };
    } finally {
      await api.close();
      await Promise.all(WATCH_PATHS.map((p) => watchers[p].close()));
    }
  };
  const [short, wait] = await Promise.all([
    Promise.all(SHORT_PATHS.map(async (path) => [path, (await watchOne(path, PATH_SCENARIOS[path])).total] as const)),
    watchOne('wait', waitScenario(WAIT_MINUTES)),
  ]);
  const rate = (p: WatchPath) => {
    const cost = wait.steady?.cost[p];
    const minutes = wait.steady?.minutes ?? NaN;
    return { queries: round((cost?.queries ?? NaN) / minutes, 1), rpcs: round((cost?.rpcs ?? NaN) / minutes, 1) };
  };
  const waitPerMinute = Object.fromEntries(WATCH_PATHS.map((p) => [p, rate(p)])) as WatchFigures['waitPerMinute'];
  const extra = 60 - wait.waitingMinutes;
  const wait1hWatch = Object.fromEntries(
    WATCH_PATHS.map((p) => [p, { queries: Math.round(wait.total[p].queries + waitPerMinute[p].queries * extra), rpcs: Math.round(wait.total[p].rpcs + waitPerMinute[p].rpcs * extra) }]),
  ) as WatchFigures['wait1h'];
  return { perPath: Object.fromEntries(short) as WatchFigures['perPath'], waitPerMinute, wait1h: wait1hWatch };
}
