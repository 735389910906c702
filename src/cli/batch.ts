import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Presets, SingleBar } from 'cli-progress';
import { startConversions, type BatchItemResult, type StartConversionRequest, type StartOptions } from '../conversions';
import { mapWithConcurrency } from '../lib';
import { failureFromError } from '../conversions';

/** `convert --from-file`: many conversions from a list of ids, reported per item, optionally waited for. */

export interface IdLine {
  /** 1-based line number in the file. */
  line: number;
  request: Pick<StartConversionRequest, 'audioId' | 'taskId'>;
}

/**
 * One conversion per line: `audioId`, `audioId taskId`, `audioId,taskId` or `,taskId`. Blank lines
 * and lines starting with `#` are skipped. Throws naming the line when one has more fields.
 * The ids themselves are validated later, per item, by startConversions.
 */
export function parseIdList(text: string): IdLine[] {
  const lines: IdLine[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const trimmed = raw.trim();
    if (!trimmed || trimmed.startsWith('#')) return;
    const fields = (trimmed.includes(',') ? trimmed.split(',') : trimmed.split(/\s+/)).map((f) => f.trim());
    const [audioId, taskId, ...rest] = fields;
    if (rest.length || (!audioId && !taskId)) throw new Error(`line ${i + 1}: expected "audioId", "audioId taskId" or "audioId,taskId", got "${trimmed}"`);
    lines.push({ line: i + 1, request: { ...(audioId ? { audioId } : {}), ...(taskId ? { taskId } : {}) } });
  });
  return lines;
}

export interface Progress {
  completed: number;
  /** Failed, cancelled, terminated or timed out. */
  failed: number;
  running: number;
}

/** Temporal's status of each conversion once closed: COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT, or NOT_FOUND. */
export type Ended = Map<string, string>;

/**
 * Describes every conversion still running once per `intervalMs` (at most `concurrency` requests at
 * once) until all have closed; calls `onProgress` whenever the counts change.
 */
export async function waitForConversions(
  client: Client,
  ids: readonly string[],
  onProgress: (progress: Progress) => void,
  { intervalMs = 1_000, concurrency = 20 } = {},
): Promise<Ended> {
  const unique = [...new Set(ids)];
  const ended: Ended = new Map();
  let reported = '';
  for (;;) {
    const round = Date.now();
    await mapWithConcurrency(
      unique.filter((id) => !ended.has(id)),
      concurrency,
      async (id) => {
        try {
          const { status } = await client.workflow.getHandle(id).describe();
          if (status.name !== 'RUNNING' && status.name !== 'CONTINUED_AS_NEW') ended.set(id, status.name);
        } catch (err) {
          // Any other error (Temporal briefly unreachable): asked again next round.
          if (err instanceof WorkflowNotFoundError) ended.set(id, 'NOT_FOUND');
        }
      },
    );
    const progress = countProgress(ids, ended);
    const key = JSON.stringify(progress);
    if (key !== reported) onProgress(progress);
    reported = key;
    if (ended.size === unique.length) return ended;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, intervalMs - (Date.now() - round))));
  }
}

function countProgress(ids: readonly string[], ended: Ended): Progress {
  const progress = { completed: 0, failed: 0, running: 0 };
  for (const id of ids) {
    const status = ended.get(id);
    if (!status) progress.running++;
    else if (status === 'COMPLETED') progress.completed++;
    else progress.failed++;
  }
  return progress;
}

/** Why a closed conversion did not complete, from its close event (no worker needed). */
async function failureOf(client: Client, id: string, status: string): Promise<{ type: string; message: string }> {
  if (status === 'NOT_FOUND') return { type: 'NotFound', message: `no conversion with id ${id}` };
  try {
    await client.workflow.getHandle(id).result();
  } catch (err) {
    return failureFromError(err, status);
  }
  return { type: status, message: `workflow ${status.toLowerCase()}` };
}

export interface BatchOptions {
  start: StartOptions;
  pollIntervalSeconds?: number | undefined;
  wait?: boolean | undefined;
  json?: boolean | undefined;
  /** Draw a progress bar (a TTY, without --json); otherwise a line per change of the counts. */
  bar?: boolean | undefined;
  /** Describe requests per second while waiting. */
  watchIntervalMs?: number;
  print?: (line: string) => void;
}

/** Starts the conversions of `lines`, reports each, waits if asked; returns the exit code (0 all good, 1 any failed). */
export async function runBatch(client: Client, lines: readonly IdLine[], options: BatchOptions): Promise<number> {
  const print = options.print ?? ((line: string) => console.log(line));
  const poll = options.pollIntervalSeconds !== undefined ? { pollIntervalSeconds: options.pollIntervalSeconds } : {};
  const results = await startConversions(
    client,
    lines.map((l) => ({ ...l.request, ...poll })),
    options.start,
  );
  const started = results.filter((r): r is Extract<BatchItemResult, { runId: string }> => !('error' in r));
  const summary = {
    total: results.length,
    created: started.filter((r) => r.created).length,
    existing: started.filter((r) => !r.created).length,
    failed: results.length - started.length,
  };
  for (const r of results) {
    const { index, ...rest } = r;
    const line = lines[index]?.line;
    if (options.json) print(JSON.stringify({ index, line, ...rest }));
    else if ('error' in r) print(`not started: line ${line}${r.conversionId ? ` (${r.conversionId})` : ''}: ${r.error.detail} [${r.error.status}]`);
    else print(`${r.created ? 'started' : 'already exists'}: ${r.conversionId}`);
  }
  if (!options.wait || started.length === 0) {
    print(options.json ? JSON.stringify({ summary }) : `${summary.created} started, ${summary.existing} already existed, ${summary.failed} not started`);
    return summary.failed ? 1 : 0;
  }
  if (!options.json) print(`${summary.created} started, ${summary.existing} already existed, ${summary.failed} not started; waiting for ${started.length}`);

  const ids = started.map((r) => r.conversionId);
  const bar = options.bar
    ? new SingleBar({ format: '{bar} {value}/{total} ended | {completed} completed, {failed} failed, {running} running', stream: process.stdout }, Presets.shades_classic)
    : undefined;
  // Ctrl-C while the bar is drawn: give the terminal back (line wrapping); the conversions keep running.
  const interrupted = () => {
    bar?.stop();
    print('interrupted: the conversions keep running (see `wavflow status <id>`)');
    process.exit(130);
  };
  if (bar) {
    bar.start(ids.length, 0, { completed: 0, failed: 0, running: ids.length });
    process.once('SIGINT', interrupted);
  }
  const ended = await waitForConversions(
    client,
    ids,
    (p) => {
      if (bar) bar.update(p.completed + p.failed, { ...p });
      else print(options.json ? JSON.stringify({ progress: p }) : `progress: ${p.completed} completed, ${p.failed} failed, ${p.running} running`);
    },
    { intervalMs: options.watchIntervalMs ?? 1_000 },
  );
  if (bar) {
    process.removeListener('SIGINT', interrupted);
    bar.stop();
  }

  let completed = 0;
  for (const r of started) {
    const status = ended.get(r.conversionId) ?? 'RUNNING';
    if (status === 'COMPLETED') completed++;
    const failure = status === 'COMPLETED' ? undefined : await failureOf(client, r.conversionId, status);
    if (options.json) print(JSON.stringify({ index: r.index, line: lines[r.index]?.line, conversionId: r.conversionId, status, ...(failure ? { failure } : {}) }));
    else if (failure) print(`${status === 'CANCELLED' ? 'cancelled' : 'failed'}: ${r.conversionId}: ${failure.type}: ${failure.message}`);
  }
  const final = { ...summary, completed, failed: results.length - completed };
  print(options.json ? JSON.stringify({ summary: final }) : `done: ${final.completed} completed, ${final.failed} failed (of ${final.total})`);
  return final.failed ? 1 : 0;
}
