import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express, { type Request, type Response } from 'express';
import type { ProviderVariant } from '../provider';
import { mapWithConcurrency } from '../lib';
import { synthesizeWav } from '../wav';
import { CallbackSender } from './callback-sender';
import { callbackBody, envelope, recordInfoData } from './payloads';
import type { Scenario } from './scenario';
import { serveFile } from './file-host';
import { TaskStore, type SandboxTask, type ServedFile } from './task-store';

export interface SandboxOptions {
  apiKey: string;
  variant: ProviderVariant;
  /** Default delay from submit to SUCCESS. */
  conversionDelayMs: number;
  /** Default length of the WAVs served. */
  wavSeconds: number;
  /** Multiplies the callback retry schedule (1, 5, 15 min). */
  timeScale: number;
  webhookHmacKey?: string | undefined;
  host?: string;
  /** Host name in the URLs the sandbox hands out; default: the listening host. */
  publicHost?: string;
  port?: number;
  /** Where WAV files are written; a fresh temporary directory when absent. */
  fileDir?: string | undefined;
  /** Keep every callback until releaseCallbacks (see Sandbox.holdCallbacks). */
  holdCallbacks?: boolean;
}

export interface Sandbox {
  /** Base URL of the provider API, e.g. http://127.0.0.1:8090 */
  url: string;
  apiKey: string;
  /** Scenario for conversions whose audioId (or else source taskId) is `key`. */
  setScenario(key: string, scenario: Scenario): void;
  task(wavTaskId: string): SandboxTask | undefined;
  tasks(): SandboxTask[];
  callbacks: CallbackSender;
  /**
   * From now on, keep the callbacks of completed tasks instead of sending them (false: send them as
   * tasks complete again; those already held stay held). Benchmarks build up many waiting
   * conversions this way, then release them at a pace of their choosing.
   */
  holdCallbacks(hold: boolean): void;
  /** How many callbacks are held. */
  heldCallbacks(): number;
  /**
   * Sends up to `count` held callbacks (default all), oldest first, at most `concurrency` (default
   * 50) at a time. Resolves with how many were sent once their first attempts have ended; retries
   * continue on the usual schedule.
   */
  releaseCallbacks(count?: number, concurrency?: number): Promise<number>;
  close(): Promise<void>;
}

/** A local stand-in for the provider: same endpoints, payload variants, callbacks and retry schedule. */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const store = new TaskStore();
  const scenarios = new Map<string, Scenario>();
  const callbacks = new CallbackSender({ timeScale: options.timeScale, webhookHmacKey: options.webhookHmacKey });
  const completions = new Set<NodeJS.Timeout>();
  let holding = options.holdCallbacks ?? false;
  const held: SandboxTask[] = [];
  const ownDir = options.fileDir === undefined;
  const fileDir = options.fileDir ?? (await mkdtemp(join(tmpdir(), 'wavflow-sandbox-')));
  await mkdir(fileDir, { recursive: true });
  let baseUrl = '';

  const refusals = new Map<string, number>();
  // Each URL handed out is numbered so that the first `expiredUrls` of them can answer 410.
  const fileUrl = (task: SandboxTask) => (task.file ? `${baseUrl}/files/${task.wavTaskId}.wav?v=${task.urlsIssued++}` : undefined);
  /** The URL record-info reveals now, if any: never before success, and not during SUCCESS-without-URL answers. */
  const recordUrl = (task: SandboxTask) => {
    if (task.state === 'PENDING') return undefined;
    task.pollsAnswered++;
    if (task.state === 'SUCCESS' && task.pollsAnswered <= (task.scenario.successWithoutUrlPolls ?? 0)) return undefined;
    return fileUrl(task);
  };

  const writeWav = async (task: SandboxTask, version: 'original' | 'replaced'): Promise<ServedFile> => {
    const tone = toneFor(task.wavTaskId) * (version === 'replaced' ? 1.5 : 1);
    const wav = synthesizeWav({ seconds: task.scenario.wavSeconds ?? options.wavSeconds, frequencyHz: tone });
    const path = join(fileDir, `${task.wavTaskId}-${version}.wav`);
    await writeFile(path, wav);
    return { path, bytes: wav.length, sha256: createHash('sha256').update(wav).digest('hex'), createdAt: new Date() };
  };

  const complete = async (task: SandboxTask) => {
    const { failure, callbackExceptionWithUrl } = task.scenario;
    if (!failure || (failure.state === 'CALLBACK_EXCEPTION' && callbackExceptionWithUrl)) task.file = await writeWav(task, 'original');
    // Written now, not when the first request comes: a retry that arrives while the first request
    // is still being answered must already get the replacement.
    if (task.file && task.scenario.replaceFileAfterCut) task.replacement = await writeWav(task, 'replaced');
    task.completeTime = new Date();
    if (failure) {
      task.errorCode = failure.callbackCode;
      task.errorMessage = failure.msg ?? 'WAV format conversion failed';
    }
    task.state = failure ? failure.state : 'SUCCESS';
    if (task.scenario.callback === 'drop') return;
    if (holding || task.scenario.callback === 'hold') return void held.push(task);
    await sendCallback(task);
  };

  const sendCallback = async (task: SandboxTask) => {
    const body = callbackBody(task, options.variant, fileUrl(task));
    const copies = Math.max(1, task.scenario.callbackCopies ?? 1);
    await Promise.all(Array.from({ length: copies }, (_, i) => callbacks.deliver(task.callBackUrl, task.wavTaskId, body, i + 1)));
  };

  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '64kb' }));

  const authorized = (req: Request, res: Response): boolean => {
    if (req.get('authorization') === `Bearer ${options.apiKey}`) return true;
    // sunoapi.org-style answers carry the error in an HTTP 200 body; kie.ai uses the status too.
    res.status(options.variant === 'kie' ? 401 : 200).json(envelope(401, 'You do not have access permissions'));
    return false;
  };

  app.post('/api/v1/wav/generate', async (req, res) => {
    if (!authorized(req, res)) return;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const text = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);
    const sourceTaskId = text(body.taskId);
    const audioId = text(body.audioId);
    const callBackUrl = text(body.callBackUrl);
    const invalid = options.variant === 'kie' ? 422 : 400;
    if (!callBackUrl) return void res.json(envelope(invalid, 'Please enter callBackUrl'));
    if (!sourceTaskId && !audioId) return void res.json(envelope(invalid, 'Provide either taskId or audioId'));

    const scenarioKey = audioId && scenarios.has(audioId) ? audioId : (sourceTaskId ?? audioId ?? '');
    const scenario = scenarios.get(scenarioKey) ?? {};
    const refused = refusals.get(scenarioKey) ?? 0;
    const refusal = scenario.refuseSubmit?.[refused];
    if (refusal !== undefined) {
      refusals.set(scenarioKey, refused + 1);
      // Left unanswered: the client's timeout ends it (and close() the connection).
      if (refusal === 'timeout') return;
      if (refusal === 'network') return void req.socket.destroy();
      return void res.json(envelope(refusal, `refused by scenario (${refusal})`));
    }

    const earlier = store.existing(sourceTaskId, audioId);
    if (earlier) return void res.json(envelope(409, 'WAV record already exists', { taskId: earlier.wavTaskId }));

    const task: SandboxTask = {
      wavTaskId: randomBytes(16).toString('hex'),
      sourceTaskId,
      audioId,
      callBackUrl,
      state: 'PENDING',
      scenario,
      createTime: new Date(),
      fileRequests: 0,
      fileRequestsOpen: 0,
      fileFaults: 0,
      fileAttempts: 0,
      bytesServed: 0,
      urlsIssued: 0,
      pollsAnswered: 0,
    };
    store.add(task);
    if (scenario.callbackBeforeSubmitResponse) {
      await complete(task);
    } else {
      const timer = setTimeout(() => {
        completions.delete(timer);
        void complete(task);
      }, scenario.conversionDelayMs ?? options.conversionDelayMs);
      completions.add(timer);
    }
    res.json(envelope(200, 'success', { taskId: task.wavTaskId }));
  });

  app.get('/api/v1/wav/record-info', (req, res) => {
    if (!authorized(req, res)) return;
    const task = typeof req.query.taskId === 'string' ? store.get(req.query.taskId) : undefined;
    // Observed in the wild: "not found" inside an HTTP 200 body.
    if (!task) return void res.json(envelope(404, 'Task not found'));
    res.json(envelope(200, 'success', recordInfoData(task, options.variant, recordUrl(task))));
  });

  // Express's static sender gives Range, ETag and Last-Modified: what a real file host offers.
  app.get('/files/:name', async (req, res) => {
    const task = store.get(req.params.name.replace(/\.wav$/, ''));
    if (!task?.file) return void res.status(404).end();
    task.fileRequests++;
    const { scenario } = task;
    if (Number(req.query.v ?? 0) < (scenario.expiredUrls ?? 0)) return void res.status(scenario.expiredStatus ?? 410).send('link expired');
    const fault = task.fileFaults++;
    const status = scenario.fileErrors?.[fault];
    if (status !== undefined) return void res.status(status).send(`file host error (${status})`);
    // Silence until the client gives up (or close() ends the connection).
    if (fault - (scenario.fileErrors?.length ?? 0) < (scenario.stallBeforeHeaders ?? 0)) return;
    const attempt = ++task.fileAttempts;
    const file = task.file;
    // The first request gets the original; every later one the replacement, however soon it comes.
    if (attempt === 1 && task.replacement) task.file = task.replacement;
    task.fileRequestsOpen++;
    try {
      await serveFile(req, res, file, scenario, attempt, (bytes) => (task.bytesServed += bytes));
    } finally {
      task.fileRequestsOpen--;
    }
  });

  // Out-of-process control, for the CLI and harnesses that do not share this process.
  app.put('/_sandbox/scenarios/:key', (req, res) => {
    scenarios.set(req.params.key, (req.body ?? {}) as Scenario);
    res.status(204).end();
  });
  app.put('/_sandbox/callbacks/hold', (req, res) => {
    holding = (req.body as { hold?: unknown } | undefined)?.hold === true;
    res.status(204).end();
  });
  app.post('/_sandbox/callbacks/release', async (req, res) => {
    const { count, concurrency } = (req.body ?? {}) as { count?: number; concurrency?: number };
    res.json({ released: await releaseCallbacks(count, concurrency) });
  });
  app.get('/_sandbox/callbacks', (_req, res) => void res.json({ held: held.length, holding, attempts: callbacks.attempts.length }));
  app.get('/_sandbox/tasks', (_req, res) => void res.json(store.all()));
  app.get('/_sandbox/tasks/:id', (req, res) => {
    const task = store.get(req.params.id);
    if (!task) return void res.status(404).json({ error: 'unknown task' });
    res.json(task);
  });

  const releaseCallbacks = async (count = held.length, concurrency = 50) => {
    const batch = held.splice(0, Math.max(0, count));
    await mapWithConcurrency(batch, concurrency, sendCallback);
    return batch.length;
  };

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  baseUrl = `http://${options.publicHost ?? options.host ?? '127.0.0.1'}:${address.port}`;

  return {
    url: baseUrl,
    apiKey: options.apiKey,
    setScenario: (key, scenario) => void scenarios.set(key, scenario),
    task: (id) => store.get(id),
    tasks: () => store.all(),
    callbacks,
    holdCallbacks: (hold) => void (holding = hold),
    heldCallbacks: () => held.length,
    releaseCallbacks,
    close: async () => {
      for (const timer of completions) clearTimeout(timer);
      callbacks.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      if (ownDir) await rm(fileDir, { recursive: true, force: true });
    },
  };
}

/** A different tone per task, so every served file has its own hash. */
function toneFor(wavTaskId: string): number {
  return 220 + (parseInt(wavTaskId.slice(0, 6), 16) % 660);
}
