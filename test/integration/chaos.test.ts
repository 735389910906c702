import { figures, printReport } from '../../bench/chaos/report';
import { runChaos } from '../../bench/chaos/run';

/**
 * The chaos run, reduced: 30 conversions through their own Temporal dev server (SQLite file), two
 * worker processes and the HTTP server process, under every fault `npm run chaos` injects, with
 * one worker kill and one restart each of the HTTP server and Temporal. Nothing may be lost.
 * CHAOS_SEED picks another fault plan.
 */
jest.setTimeout(280_000);

test('a reduced chaos run loses, corrupts, duplicates, refetches and leaves nothing, and answers every forged callback 401', async () => {
  const seed = Number(process.env.CHAOS_SEED ?? 20_261_127);
  const lines: string[] = [];
  const run = await runChaos({
    seed,
    conversions: 30,
    workerKills: 1,
    httpRestarts: 1,
    temporalRestarts: 1,
    forgedPerSecond: 5,
    // Slow enough that the faults land while conversions are in every phase.
    startPerSecond: 1.5,
    pollIntervalSeconds: 2,
    timeScale: 0.02,
    timeoutSeconds: 200,
    keep: false,
    log: (line) => lines.push(line),
  });
  const f = figures(run);
  printReport(run, f, (line) => lines.push(line));
  const summary = `seed ${seed}\n${lines.join('\n')}`;

  expect({ ...f, summary: f.ok ? '' : summary }).toMatchObject({
    conversions: 30,
    lost: 0,
    corrupt: 0,
    wrongOutcome: 0,
    duplicateDownloads: 0,
    failedResumes: 0,
    stuck: 0,
    partFilesLeft: 0,
    forgedAccepted: 0,
    forgedAnsweredOtherwise: 0,
    crashes: 0,
    workerKills: 1,
    httpRestarts: 1,
    temporalRestarts: 1,
    summary: '',
  });
  expect(f.succeeded + f.failedAsExpected).toBe(30);
  expect(f.forgedRejected).toBeGreaterThan(0);
});
