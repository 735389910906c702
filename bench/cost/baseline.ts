import { execFileSync } from 'node:child_process';
import { round } from '../support';
import { COST_PATHS, type CostFigures, type CostPath } from './phase';

/**
 * A release's cost per conversion (v0.1.0 by default, bench/cost/release.ts), measured in the same
 * run as this tree's on the same server, sandbox and machine, and the goal against it.
 */
export interface CostBaseline {
  release: string;
  commit: string;
  measuredAt: string;
  actionsPerConversion: Record<CostPath, number>;
  eventsPerConversion: Record<CostPath, number>;
  historyBytesPerConversion: Record<CostPath, number>;
  actionsByKind: Record<CostPath, Record<string, number>>;
  cpuMsPerConversion: Record<CostPath, Record<string, number>>;
}

/** Issue 16: billable actions of a callback-path conversion at most 0.8 times the release's. */
export const GOAL_CALLBACK_ACTIONS_RATIO = 0.8;

const perPath = <T>(pick: (path: CostPath) => T) => Object.fromEntries(COST_PATHS.map((p) => [p, pick(p)])) as Record<CostPath, T>;

export function toBaseline(figures: CostFigures, checkout: string, release: string): CostBaseline {
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: checkout, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return undefined; // an exported tree (bench/cost/release.ts) has no .git
    }
  };
  return {
    release: git(['describe', '--tags', '--always']) ?? release,
    commit: git(['rev-parse', 'HEAD']) ?? release,
    measuredAt: new Date().toISOString(),
    actionsPerConversion: perPath((p) => figures.paths[p].actions),
    eventsPerConversion: perPath((p) => figures.paths[p].events),
    historyBytesPerConversion: perPath((p) => figures.paths[p].historyBytes),
    actionsByKind: perPath((p) => figures.paths[p].actionsByKind as Record<string, number>),
    cpuMsPerConversion: perPath((p) => figures.paths[p].cpuMs),
  };
}

/** The keys `npm run bench:cost` and `npm run bench` both put in their JSON line. */
export function costKeys(figures: CostFigures, baseline: CostBaseline | undefined) {
  const actionsPerConversion = perPath((p) => figures.paths[p].actions);
  const callbackActionsRatio = baseline ? round(actionsPerConversion.callback / baseline.actionsPerConversion.callback, 3) : undefined;
  return {
    actionsPerConversion,
    eventsPerConversion: perPath((p) => figures.paths[p].events),
    historyBytesPerConversion: perPath((p) => figures.paths[p].historyBytes),
    actionsBaseline: baseline ? { release: baseline.release, measuredAt: baseline.measuredAt, ...baseline.actionsPerConversion } : undefined,
    eventsBaseline: baseline ? { release: baseline.release, ...baseline.eventsPerConversion } : undefined,
    callbackActionsRatio,
    callbackActionsGoalMet: callbackActionsRatio === undefined ? undefined : callbackActionsRatio <= GOAL_CALLBACK_ACTIONS_RATIO,
  };
}
