import type { temporal } from '@temporalio/proto';
import { mapWithConcurrency } from '../../../src/lib';
import type { Scenario } from './catalogue';
import type { Outcome, ScenarioHarness } from './harness';

export interface Played {
  scenario: Scenario;
  /** One history per run, first to last (continue-as-new adds runs). */
  histories: temporal.api.history.v1.IHistory[];
}

/** Plays one scenario to its end and checks it ended the way the scenario says. */
export async function playScenario(harness: ScenarioHarness, scenario: Scenario): Promise<Played> {
  const run = await harness.start(scenario.input, scenario.name);
  try {
    await scenario.play(run);
    const outcome = await run.outcome();
    const problem = unexpected(scenario, outcome);
    if (problem) throw new Error(`${scenario.name}: ${problem}`);
  } catch (err) {
    await run.handle.terminate('scenario did not play out').catch(() => undefined);
    throw err;
  }
  return { scenario, histories: await run.histories() };
}

/** Plays scenarios side by side (each has its own workflow id); results in the given order. */
export function playAll(harness: ScenarioHarness, scenarios: readonly Scenario[], concurrency = 6): Promise<Played[]> {
  return mapWithConcurrency(scenarios, concurrency, (scenario) => playScenario(harness, scenario));
}

function unexpected(scenario: Scenario, outcome: Outcome): string | undefined {
  const { ends } = scenario;
  if (ends === 'completed' || ends === 'cancelled') return outcome.status === ends ? undefined : `expected ${ends}, got ${JSON.stringify(outcome)}`;
  if (outcome.status === 'failed' && outcome.failureType === ends.failureType) return undefined;
  return `expected failure ${ends.failureType}, got ${JSON.stringify(outcome)}`;
}

/** File names of a played scenario's histories: `<name>.json`, then `<name>.run-2.json`, ... */
export const historyFileNames = (played: Played): string[] =>
  played.histories.map((_, index) => (index === 0 ? `${played.scenario.name}.json` : `${played.scenario.name}.run-${index + 1}.json`));
