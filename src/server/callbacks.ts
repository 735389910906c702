import { Router, raw, type Request, type Response, type NextFunction } from 'express';
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

const MAX_BODY = '64kb';
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

/**
 * POST /callbacks/wav/:workflowId/:sig. Answers 200 only once Temporal has durably accepted the
 * signal: on 503 the provider retries and polling remains the backstop, so nothing is lost.
 */
export function callbackRouter({ client, callbackSecret, logger, metrics, webhook, callbackLimit }: CallbackRouteDeps): Router {
  const router = Router();
  const budget = new CallbackBudget(callbackLimit);
  const log = logger.child({ route: 'callback' });
  // Well inside the provider's 15 s: a Temporal outage becomes an answer the provider retries.
  const withinDeadline = (signal: () => Promise<void>) => client.connection.withDeadline(Date.now() + SIGNAL_DEADLINE_MS, signal);

  // One line per request, whatever answered it (this route, the body parser or the error handler).
  const logRequest = (req: Request<{ workflowId: string; sig: string }>, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    // Read now: an error handler outside this route sees other params.
    const workflowId = req.params.workflowId;
    res.on('finish', () => {
      const { outcome, ...extra } = (res.locals.callbackLog ?? {}) as CallbackLog;
      // Refused before this route decided (wrong media type, too large, unreadable): `rejected`.
      metrics.callbacks.inc({ outcome: outcome ?? 'rejected' });
      const fields = { workflowId, status: res.statusCode, outcome: outcome ?? `http-${res.statusCode}`, ...extra };
      log[res.statusCode >= 500 || outcome === 'forged' || outcome === 'limited' ? 'warn' : 'info']({ ...fields, latencyMs: Number(process.hrtime.bigint() - started) / 1e6 }, 'callback');
    });
    next();
  };
  const verifySignature = (req: Request<{ workflowId: string; sig: string }>, res: Response, next: NextFunction) => {
    if (verifyCallbackSignature(req.params.workflowId, req.params.sig, callbackSecret)) return next();
    res.locals.callbackLog = { outcome: 'forged' } satisfies CallbackLog;
    sendProblem(res, 401, 'Unauthorized', 'callback signature does not match');
  };
  const requireJson = (req: Request, res: Response, next: NextFunction) => {
    if (req.is('application/json')) return next();
    sendProblem(res, 415, 'Unsupported Media Type', 'callbacks must be application/json');
  };

  router.post('/callbacks/wav/:workflowId/:sig', logRequest, verifySignature, requireJson, raw({ type: () => true, limit: MAX_BODY }), async (req, res) => {
    const handle = client.workflow.getHandle(req.params.workflowId);
    const done = (outcome: ReceiverOutcome, extra: Omit<CallbackLog, 'outcome'> = {}) => (res.locals.callbackLog = { outcome, ...extra } satisfies CallbackLog);

    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
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
    const allowance = budget.take(req.params.workflowId);
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
        return void res.json({ status: 'ignored' });
      }
      done('unavailable', { wavTaskId: callback.taskId, error: err instanceof Error ? err.message : String(err) });
      return sendProblem(res, 503, 'Service Unavailable', 'could not record the callback; retry later');
    }
    done('received', { wavTaskId: callback.taskId, code: callback.code });
    res.json({ status: 'received' });
  });
  return router;
}
