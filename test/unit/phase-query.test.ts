import { PHASES } from '../../src/workflows/messages';
import { closedPhase, phaseQuery } from '../../src/workflows/phase-query';

/** A running conversion's phase is in PhaseAttribute; a closed one's in Temporal's execution status. */

test.each([
  ['submitting', "WavStatus = 'submitting' AND ExecutionStatus = 'Running'"],
  ['waiting', "WavStatus = 'waiting' AND ExecutionStatus = 'Running'"],
  ['downloading', "WavStatus = 'downloading' AND ExecutionStatus = 'Running'"],
  ['completed', "ExecutionStatus = 'Completed'"],
  ['failed', "ExecutionStatus IN ('Failed', 'Terminated', 'TimedOut')"],
  ['cancelled', "ExecutionStatus = 'Canceled'"],
] as const)('%s is found with %s', (phase, query) => {
  expect(phaseQuery(phase)).toBe(query);
});

test('every phase has a query', () => {
  for (const phase of PHASES) expect(phaseQuery(phase)).toContain('ExecutionStatus');
});

test.each([
  ['COMPLETED', 'completed'],
  ['FAILED', 'failed'],
  ['TERMINATED', 'failed'],
  ['TIMED_OUT', 'failed'],
  ['CANCELLED', 'cancelled'],
  ['CANCELED', 'cancelled'],
  ['RUNNING', undefined],
  ['CONTINUED_AS_NEW', undefined],
])('a run %s ended in %s', (status, phase) => {
  expect(closedPhase(status)).toBe(phase);
});
