import { raw, type Request, type RequestHandler, type Response } from 'express';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { parseCallback, verifyCallbackSignature, webhookRefusal } from '../provider';
import { malformedCallbackSignal, MAX_MALFORMED_BODY_BYTES, providerCallbackSignal } from '../workflows';
import type { Logger } from '../lib';
import type { CallbackOutcome, Metrics } from '../metrics';
import { CallbackBudget, type CallbackLimit } from './callback-budget';
import { sendProblem } from './problem';

export interface CallbackRouteDeps {
  client: Client;
  callbackSecret: string;
  logger: Logger;
  metrics: Metrics;
  /** Where the provider signs its callbacks (kie.ai's webhookHmacKey), they must be signed. */
  webhook?: { hmacKey: string; replayWindowSeconds: number } | undefined;
  /** Callbacks per conversion that may reach Temporal; beyond it, 429. */
  callbackLimit: CallbackLimit;
}

/** body-parser's '64kb'. */
const MAX_BODY_BYTES = 64 * 1024;
const SIGNAL_DEADLINE_MS = 5_000;
/** Raw bodies are never logged beyond this. */
const LOGGED_BODY_BYTES = 1024;

/** What the request log line says besides the workflow id, status and latency. */
interface CallbackLog {
  outcome?: ReceiverOutcome;
  /** The provider task id the callback names (`wavTaskId`, as on every worker line). */
  wavTaskId?: string;
  [field: string]: unknown;
}

type ReceiverOutcome = Extract<CallbackOutcome, 'received' | 'forged' | 'malformed' | 'ignored' | 'unavailable' | 'limited'>;

/** Invalid JSON is a body that fails validation like any other. */
function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** What every accepted callback is answered: constant, so built once (express's res.json would serialize and hash it each time). */
const RECEIVED = Buffer.from(JSON.stringify({ status: 'received' }));
const IGNORED = Buffer.from(JSON.stringify({ status: 'ignored' }));
const answer = (res: Response, body: Buffer) => void res.status(200).set('content-type', 'application/json; charset=utf-8').end(body);

const PREFIX = '/callbacks/wav/';

/**
 * The `:workflowId` and `:sig` of `POST /callbacks/wav/:workflowId/:sig`, matched as express
 * matched the route (case-insensitive, an optional trailing slash, percent-decoded parameters);
 * undefined for any other request.
 */
export function callbackParams(method: string, url: string): { workflowId: string; sig: string } | undefined {
  if (method !== 'POST') return undefined;
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  if (path.length <= PREFIX.length || path.slice(0, PREFIX.length).toLowerCase() !== PREFIX) return undefined;
  const rest = path.slice(PREFIX.length, path.endsWith('/') ? -1 : undefined);
  const slash = rest.indexOf('/');
  if (slash <= 0 || slash === rest.length - 1 || rest.indexOf('/', slash + 1) !== -1) return undefined;
  return { workflowId: decodeParam(rest.slice(0, slash)), sig: decodeParam(rest.slice(slash + 1)) };
}

/** As express's router decodes a parameter: a malformed escape is the client's error (400). */
function decodeParam(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch (err) {
    throw Object.assign(err as Error, { message: `Failed to decode param '${value}'`, status: 400 });
  }
}

/** What type-is (req.is) calls a request with a body. */
const hasBody = (req: Request) => req.headers['transfer-encoding'] !== undefined || !Number.isNaN(Number(req.headers['content-length']));

/**
 * The body of an identity-encoded request, at most `limit` bytes; beyond it the rest is read and
 * dropped and the answer is body-parser's 413 (`entity.too.large`, for the error handler).
 * Undefined when the client went away first (nobody is left to answer).
 */
function readBody(req: Request, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    const tooLarge = () => Object.assign(new Error('request entity too large'), { status: 413, type: 'entity.too.large' });
    let over = declared > limit;
    const chunks: Buffer[] = [];
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      length += chunk.length;
      if (length > limit) over = true;
      else chunks.push(chunk);
    });
    req.once('end', () => (over ? reject(tooLarge()) : resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length))));
    req.once('aborted', () => resolve(undefined));
    req.once('error', () => resolve(undefined));
  });
}

/**
 * POST /callbacks/wav/:workflowId/:sig. Answers 200 only once Temporal has durably accepted the
 * signal: on 503 the provider retries and polling remains the backstop, so nothing is lost.
 *
 * A middleware ahead of express's router, not a route: this is the one path that takes a request
 * per conversion at the provider's pace, and the router's layers, body-parser and res.json cost
 * more per request than the checks themselves (`npm run bench:callbacks`, bench/README.md). A
 * compressed body still goes through body-parser.
 */
export function callbackRouter(deps: CallbackRouteDeps): RequestHandler & { serves: string[] } {
  // Not a route, so the route inventory (test/unit/openapi.test.ts) is told what it serves.
  return Object.assign(callbackHandler(deps), { serves: ['post /callbacks/wav/{workflowId}/{sig}'] });
}

function callbackHandler({ client, callbackSecret, logger, metrics, webhook, callbackLimit }: CallbackRouteDeps): RequestHandler {
  const budget = new CallbackBudget(callbackLimit);
  const log = logger.child({ route: 'callback' });
  // Well inside the provider's 15 s: a Temporal outage becomes an answer the provider retries.
  const withinDeadline = (signal: () => Promise<void>) => client.connection.withDeadline(Date.now() + SIGNAL_DEADLINE_MS, signal);
  const inflating = raw({ type: () => true, limit: MAX_BODY_BYTES });
  const bodyOf = async (req: Request, res: Response): Promise<Buffer | undefined> => {
    const encoding = req.headers['content-encoding'];
    if (encoding === undefined || encoding.toLowerCase() === 'identity') return readBody(req, MAX_BODY_BYTES);
    // body-parser passes only its own http-errors (status, type) on, for the error handler.
    await new Promise<void>((resolve, reject) => inflating(req, res, (err?: Error) => (err ? reject(err) : resolve())));
    return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  };

  return (req, res, next) => {
    let params;
    try {
      params = callbackParams(req.method, req.url);
    } catch (err) {
      return next(err);
    }
    if (!params) return next();
    receive(req, res, params.workflowId, params.sig).catch(next);
  };

  async function receive(req: Request, res: Response, workflowId: string, sig: string): Promise<void> {
    // One line per request, whatever answered it (this handler or the error handler).
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const { outcome, ...extra } = (res.locals.callbackLog ?? {}) as CallbackLog;
      // Refused before this handler decided (wrong media type, too large, unreadable): `rejected`.
      metrics.callbacks.inc({ outcome: outcome ?? 'rejected' });
      const fields = { workflowId, status: res.statusCode, outcome: outcome ?? `http-${res.statusCode}`, ...extra };
      log[res.statusCode >= 500 || outcome === 'forged' || outcome === 'limited' ? 'warn' : 'info']({ ...fields, latencyMs: Number(process.hrtime.bigint() - started) / 1e6 }, 'callback');
    });
    const done = (outcome: ReceiverOutcome, extra: Omit<CallbackLog, 'outcome'> = {}) => (res.locals.callbackLog = { outcome, ...extra } satisfies CallbackLog);

    if (!verifyCallbackSignature(workflowId, sig, callbackSecret)) {
      done('forged');
      return sendProblem(res, 401, 'Unauthorized', 'callback signature does not match');
    }
    // The common case without type-is's parsing; anything else as req.is decides.
    const json = req.headers['content-type'] === 'application/json' ? hasBody(req) : Boolean(req.is('application/json'));
    if (!json) return sendProblem(res, 415, 'Unsupported Media Type', 'callbacks must be application/json');
    const body = await bodyOf(req, res);
    if (!body) return;

    const handle = client.workflow.getHandle(workflowId);
    const parsed = parseCallback(parseJson(body));
    if (!parsed.ok && webhook) {
      // Without a task id the provider's signature cannot be checked: nothing is signalled.
      done('malformed', { error: parsed.error, signalled: false });
      return sendProblem(res, 400, 'Bad Request', parsed.error);
    }
    if (parsed.ok && webhook) {
      const refusal = webhookRefusal({
        taskId: parsed.value.taskId,
        timestamp: req.get('x-webhook-timestamp'),
        signature: req.get('x-webhook-signature'),
        key: webhook.hmacKey,
        windowSeconds: webhook.replayWindowSeconds,
        nowSeconds: Math.floor(Date.now() / 1000),
      });
      if (refusal) {
        done('forged', { wavTaskId: parsed.value.taskId, error: refusal });
        return sendProblem(res, 401, 'Unauthorized', refusal);
      }
    }
    // Authenticated, and about to signal: past its budget a conversion's callbacks stop here, so a
    // leaked URL cannot grow a history without bound. The provider retries a refused callback.
    const allowance = budget.take(workflowId);
    if (!allowance.ok) {
      done('limited', parsed.ok ? { wavTaskId: parsed.value.taskId } : {});
      res.set('retry-after', String(allowance.retryAfterSeconds));
      return sendProblem(res, 429, 'Too Many Requests', `more than ${callbackLimit.burst} callbacks for this conversion; one more every ${callbackLimit.refillSeconds} s`);
    }
    if (!parsed.ok) {
      // Authentic but broken: make it visible in the workflow's history, and tell the provider 400.
      const signalled = await withinDeadline(() =>
        handle.signal(malformedCallbackSignal, { body: body.subarray(0, MAX_MALFORMED_BODY_BYTES).toString('utf8'), error: parsed.error }),
      ).then(
        () => true,
        () => false,
      );
      done('malformed', { error: parsed.error, signalled, body: body.subarray(0, LOGGED_BODY_BYTES).toString('utf8') });
      return sendProblem(res, 400, 'Bad Request', parsed.error);
    }
    const callback = parsed.value;
    try {
      await withinDeadline(() => handle.signal(providerCallbackSignal, callback));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        // Closed (or never ours): acknowledge so the provider stops retrying.
        done('ignored', { wavTaskId: callback.taskId });
        return answer(res, IGNORED);
      }
      done('unavailable', { wavTaskId: callback.taskId, error: err instanceof Error ? err.message : String(err) });
      return sendProblem(res, 503, 'Service Unavailable', 'could not record the callback; retry later');
    }
    done('received', { wavTaskId: callback.taskId, code: callback.code });
    answer(res, RECEIVED);
  };
}
