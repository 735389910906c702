import { PhaseAttribute, type Phase } from './messages';

/**
 * Where a conversion's phase is recorded for Temporal's visibility store: a running one's in the
 * WavStatus search attribute, a closed one's in Temporal's own execution status (conversions
 * started on 0.2 or later spend no command writing it again). Both hold for older conversions.
 */

/** The visibility query clause that finds conversions in `phase`. */
export function phaseQuery(phase: Phase): string {
  switch (phase) {
    case 'completed':
      return `ExecutionStatus = 'Completed'`;
    case 'failed':
      // A conversion Temporal terminated or timed out never reached a closing phase of its own.
      return `ExecutionStatus IN ('Failed', 'Terminated', 'TimedOut')`;
    case 'cancelled':
      return `ExecutionStatus = 'Canceled'`;
    default:
      return `${PhaseAttribute.name} = '${phase}' AND ExecutionStatus = 'Running'`;
  }
}

const CLOSED: Readonly<Record<string, Phase>> = {
  COMPLETED: 'completed',
  FAILED: 'failed',
  TERMINATED: 'failed',
  TIMED_OUT: 'failed',
  CANCELLED: 'cancelled',
  CANCELED: 'cancelled',
};

/** The phase a closed conversion ended in, from its execution status (e.g. `COMPLETED`); undefined while it runs. */
export const closedPhase = (workflowStatus: string): Phase | undefined => CLOSED[workflowStatus];
