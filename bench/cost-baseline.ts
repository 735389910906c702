import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CostPath } from './cost-phase';
import { projectDir } from './support';

/**
 * v0.1.0's cost per conversion, measured once by `npm run bench:cost -- --checkout <a v0.1.0
 * checkout> --record-baseline` (bench/README.md says how) and kept in bench/cost-baseline.json, so
 * every run can print today's figures next to the release's without building it again.
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

export const BASELINE_FILE = join(projectDir, 'bench/cost-baseline.json');

export function readCostBaseline(): CostBaseline | undefined {
  return existsSync(BASELINE_FILE) ? (JSON.parse(readFileSync(BASELINE_FILE, 'utf8')) as CostBaseline) : undefined;
}
