import type { ChaosRun } from './run';
import type { Verdict } from './verify';

/** The figures of a chaos run: the table's content and, as JSON, the run's last line. */
export function figures(run: ChaosRun) {
  const { checks, plan, forger } = run;
  const count = (verdict: Verdict) => checks.filter((c) => c.verdict === verdict).length;
  const planned = (pred: (c: (typeof checks)[number]) => boolean) => checks.filter(pred).length;
  const succeeded = checks.filter((c) => c.verdict === 'succeeded');
  const forgedSent = Object.values(forger.sent).reduce((a, b) => a + b, 0);
  const foreignSignals = checks.reduce((sum, c) => sum + c.foreignSignals, 0);
  const deliveries = [...run.deliveries.values()];
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const kills = run.faults.filter((f) => f.kind === 'worker-kill').length;
  const taskOf = new Map(run.sandboxTasks.map((t) => [t.audioId, t.wavTaskId]));
  const deliveriesOf = (c: (typeof checks)[number]) => run.deliveries.get(taskOf.get(c.plan.audioId) ?? '') ?? [];
  const lost = count('lost');
  const corrupt = count('corrupt');
  const wrongOutcome = count('wrong-outcome');
  const stuck = count('stuck');
  const duplicateDownloads = checks.filter((c) => c.downloadedTwice).length;
  const failedResumes = checks.filter((c) => c.resumeFailed).length;
  const forgedAccepted = forger.accepted.length + foreignSignals;
  // A forgery must meet 401, or nothing (the receiver restarting). Any other answer means it got
  // further: a 503, for one, comes only after both signature checks passed.
  const forgedAnsweredOtherwise = sum(Object.entries(forger.answers).filter(([answer]) => answer !== '401' && answer !== 'network').map(([, n]) => n));
  const partFilesLeft = run.partFilesLeft.length;
  const orphanedUploads = run.orphanedUploads.length;
  const crashes = run.crashes.length;
  return {
    conversions: checks.length,
    succeeded: succeeded.length,
    failedAsExpected: count('failed-as-expected'),
    lost,
    corrupt,
    wrongOutcome,
    duplicateDownloads,
    failedResumes,
    stuck,
    partFilesLeft,
    store: run.store,
    orphanedUploads,
    forgedSent,
    forgedRejected: forger.answers['401'] ?? 0,
    forgedAccepted,
    forgedAnsweredOtherwise,
    forgedAnswers: { ...forger.answers },
    forgedUnanswered: forger.answers.network ?? 0,
    workerKills: kills,
    activitiesRetriedAfterTimeout: sum(checks.map((c) => sum(Object.values(c.timedOutAttempts)))),
    downloadsRetriedAfterTimeout: sum(checks.map((c) => c.timedOutAttempts.downloadWav ?? 0)),
    httpRestarts: run.faults.filter((f) => f.kind === 'http-restart').length,
    temporalRestarts: run.faults.filter((f) => f.kind === 'temporal-restart').length,
    ...clusterFigures(run),
    filesVerified: succeeded.length,
    bytesDownloaded: sum(run.sandboxTasks.map((t) => t.bytesServed)),
    bytesNeeded: sum(succeeded.map((c) => c.fileBytes)),
    plannedCallbacksDropped: planned((c) => c.plan.callback === 'drop'),
    plannedCallbacksTripled: planned((c) => c.plan.callback === 'triple'),
    plannedReceiverDown: planned((c) => c.plan.callback === 'receiver-down'),
    plannedDownloadsCut: planned((c) => c.plan.download === 'cut'),
    plannedUrlsExpired: planned((c) => c.plan.download === 'expired'),
    plannedProviderFailures: planned((c) => c.plan.download === 'provider-failure'),
    callbackAttempts: sum(deliveries.map((d) => d.length)),
    callbackAttemptsRefused: sum(deliveries.map((d) => d.filter((o) => o !== 200).length)),
    callbacksRefusedThenDelivered: deliveries.filter((d) => d.some((o) => o !== 200) && d.at(-1) === 200).length,
    receiverDownDrops: run.receiverDropped,
    receiverDownDeliveredLater: checks.filter((c) => c.plan.callback === 'receiver-down' && deliveriesOf(c).length > 1 && deliveriesOf(c).at(-1) === 200).length,
    callbacksReceived: sum(checks.map((c) => c.status?.callbacks.received ?? 0)),
    duplicateCallbacksIgnored: sum(checks.map((c) => c.status?.callbacks.duplicates ?? 0)),
    answeredByCallback: planned((c) => c.answeredBy === 'callback'),
    answeredByPoll: planned((c) => c.answeredBy === 'poll'),
    urlRefreshes: sum(checks.map((c) => c.status?.urlRefreshes ?? 0)),
    downloadAttempts: sum(checks.map((c) => c.status?.downloadAttempts ?? 0)),
    seed: plan.seed,
    wallSeconds: run.wallSeconds,
    crashes,
    ok: lost + corrupt + wrongOutcome + duplicateDownloads + failedResumes + stuck + partFilesLeft + orphanedUploads + forgedAccepted + forgedAnsweredOtherwise + crashes === 0,
  };
}

export type ChaosFigures = ReturnType<typeof figures>;

export function printReport(run: ChaosRun, f: ChaosFigures, out: (line: string) => void): void {
  const rows: Array<[string, string, string]> = [
    ['conversions', String(f.conversions), `${f.plannedProviderFailures} planned to fail at the provider`],
    ['  succeeded, sha256 = sandbox', String(f.succeeded), `${f.filesVerified} files verified on disk`],
    ['  failed with the expected type', String(f.failedAsExpected), ''],
    ['  lost', String(f.lost), 'should have succeeded, did not'],
    ['  corrupt', String(f.corrupt), 'file differs from what the sandbox served'],
    ['  wrong outcome', String(f.wrongOutcome), 'should have failed (with its type), did not'],
    ['  stuck', String(f.stuck), 'still running at the end'],
    ['bytes downloaded / needed', `${f.bytesDownloaded} / ${f.bytesNeeded}`, `${(f.bytesDownloaded / Math.max(1, f.bytesNeeded)).toFixed(3)}x`],
    ['duplicate downloads', String(f.duplicateDownloads), 'files sent twice over (2x their size or more)'],
    ['failed resumes', String(f.failedResumes), 'files sent 1.1x to 2x over: a retry started over instead of resuming'],
    ['.part files left', String(f.partFilesLeft), ''],
    ['multipart uploads left', String(f.orphanedUploads), `${f.store} store`],
    ['downloads cut / URLs expired', `${f.plannedDownloadsCut} / ${f.plannedUrlsExpired}`, `${f.downloadAttempts} download attempts, ${f.urlRefreshes} URL refreshes`],
    ['callbacks dropped / tripled / receiver down', `${f.plannedCallbacksDropped} / ${f.plannedCallbacksTripled} / ${f.plannedReceiverDown}`, `planned; ${f.receiverDownDeliveredLater} of the last delivered by a retry`],
    ['callback attempts (refused)', `${f.callbackAttempts} (${f.callbackAttemptsRefused})`, `${f.callbacksRefusedThenDelivered} refused first, delivered by a retry`],
    ['duplicate callbacks ignored', String(f.duplicateCallbacksIgnored), `${f.callbacksReceived} callbacks reached workflows`],
    ['answered by callback / poll', `${f.answeredByCallback} / ${f.answeredByPoll}`, ''],
    ['forged callbacks sent', String(f.forgedSent), `401: ${f.forgedRejected}, no answer (server restarting): ${f.forgedUnanswered}`],
    ['forged callbacks accepted', String(f.forgedAccepted), 'answered 2xx or reached a workflow'],
    ['forged callbacks answered otherwise', String(f.forgedAnsweredOtherwise), `neither 401 nor unanswered (answers: ${JSON.stringify(f.forgedAnswers)})`],
    ['worker kills survived', String(f.workerKills), `HTTP server restarts ${f.httpRestarts}, Temporal restarts ${f.temporalRestarts}`],
    ['activities retried after a timeout', String(f.activitiesRetriedAfterTimeout), `${f.downloadsRetriedAfterTimeout} of them downloads: work a kill or an outage interrupted`],
    ['process crashes', String(f.crashes), 'wavflow processes that exited unasked'],
    ...clusterRows(f),
    ['wall time', `${f.wallSeconds} s`, `seed ${f.seed}`],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  out('');
  out(`chaos run: ${f.conversions} conversions, seed ${f.seed}${run.kept ? `, kept in ${run.workDir}` : ''}`);
  out('');
  for (const [name, value, note] of rows) out(`${name.padEnd(w0)}  ${value.padStart(w1)}  ${note}`.trimEnd());
  out('');
  out(`faults: ${run.faults.map((e) => `${e.kind}${e.worker !== undefined ? ` #${e.worker + 1}` : ''} at ${e.at} s (${e.started} started, ${e.settled} finished)`).join('; ') || 'none'}`);
  const problems = run.checks.filter((c) => c.verdict !== 'succeeded' && c.verdict !== 'failed-as-expected');
  for (const c of problems.slice(0, 20)) out(`  ${c.verdict}: ${c.conversionId} (${c.plan.callback}, ${c.plan.download}) ${c.detail ?? ''}`);
  for (const c of run.checks.filter((x) => x.downloadedTwice).slice(0, 20)) out(`  duplicate download: ${c.conversionId} sent ${c.bytesServed} bytes of a ${c.fileBytes} byte file`);
  for (const c of run.checks.filter((x) => x.resumeFailed).slice(0, 20)) {
    const said = c.resume ? `: attempt ${c.resume.attempt} resumed from ${c.resume.resumedFrom}, discarded ${c.resume.discardedBytes ?? '?'}, the attempt before had stored ${c.resume.storedBefore ?? '?'}` : '';
    out(`  failed resume: ${c.conversionId} (${c.plan.download}) sent ${c.bytesServed} bytes of a ${c.fileBytes} byte file (${(c.bytesServed / c.fileBytes).toFixed(2)}x)${said}`);
  }
  for (const a of run.forger.accepted.slice(0, 20)) out(`  forged accepted: ${a.kind} → ${a.conversionId} answered ${a.status}`);
  for (const c of run.checks.filter((x) => x.foreignSignals > 0).slice(0, 20)) out(`  forged signal reached ${c.conversionId} (${c.foreignSignals})`);
  for (const crash of run.crashes) out(`  crash: ${crash}`);
  for (const key of run.orphanedUploads.slice(0, 20)) out(`  multipart upload left: ${key}`);
  out(`verdict: ${f.ok ? 'PASS: nothing lost, corrupt, duplicated, fetched again, stuck, left over, forged or crashed' : 'FAIL'}`);
}

/** The cluster harness's faults (zero on the dev server, which cannot have them). */
function clusterFigures(run: ChaosRun) {
  const nodeKills = run.faults.filter((f) => f.kind === 'history-node-kill');
  return {
    historyNodeKills: nodeKills.length,
    settledWhileHistoryNodeDown: nodeKills.reduce((sum, f) => sum + (f.settledWhileDown ?? 0), 0),
    historyFailoverSeconds: Math.max(0, ...nodeKills.map((f) => f.failoverSeconds ?? 0)),
    historyShardsMoved: nodeKills.reduce((sum, f) => sum + (f.shardsMoved ?? 0), 0),
    temporalKills: run.faults.filter((f) => f.kind === 'temporal-kill').length,
    postgresRestarts: run.faults.filter((f) => f.kind === 'postgres-restart').length,
    temporalProcessExits: run.temporalExits.length,
  };
}

function clusterRows(f: ChaosFigures): Array<[string, string, string]> {
  if (!f.historyNodeKills && !f.temporalKills && !f.postgresRestarts) return [];
  return [
    ['history node kills survived', String(f.historyNodeKills), `${f.historyShardsMoved} shards moved; every shard served again ${f.historyFailoverSeconds} s after a kill`],
    ['Temporal killed whole / PostgreSQL restarted', `${f.temporalKills} / ${f.postgresRestarts}`, 'SIGKILL to every service; pg_ctl stop -m immediate'],
    ['cluster process exits', String(f.temporalProcessExits), 'Temporal or PostgreSQL processes that exited unasked (started again)'],
  ];
}
