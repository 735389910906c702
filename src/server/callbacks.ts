import { Router, json, type Request, type Response, type NextFunction } from 'express';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { parseCallback, verifyCallbackSignature } from '../provider';
import { providerCallbackSignal } from '../workflows';
import type { Logger } from '../logger';
import { sendProblem } from './problem';

export interface CallbackRouteDeps {
  client: Client;
  callbackSecret: string;
  logger: Logger;
}

const MAX_BODY = '64kb';

/**
 * POST /callbacks/wav/:workflowId/:sig. Answers 200 only once Temporal has durably accepted the
 * signal: on 503 the provider retries and polling remains the backstop, so nothing is lost.
 */
export function callbackRouter({ client, callbackSecret, logger }: CallbackRouteDeps): Router {
  const router = Router();
  const log = logger.child({ route: 'callback' });

  const verifySignature = (req: Request<{ workflowId: string; sig: string }>, res: Response, next: NextFunction) => {
    if (verifyCallbackSignature(req.params.workflowId, req.params.sig, callbackSecret)) return next();
    log.warn({ workflowId: req.params.workflowId, outcome: 'forged' }, 'callback signature mismatch');
    sendProblem(res, 401, 'Unauthorized', 'callback signature does not match');
  };
  const requireJson = (req: Request, res: Response, next: NextFunction) => {
    if (req.is('application/json')) return next();
    sendProblem(res, 415, 'Unsupported Media Type', 'callbacks must be application/json');
  };

  router.post('/callbacks/wav/:workflowId/:sig', verifySignature, requireJson, json({ limit: MAX_BODY }), async (req, res) => {
    const started = process.hrtime.bigint();
    const workflowId = req.params.workflowId;
    const done = (outcome: string, extra: Record<string, unknown> = {}) =>
      log.info({ workflowId, outcome, latencyMs: Number(process.hrtime.bigint() - started) / 1e6, ...extra }, 'callback');

    const parsed = parseCallback(req.body);
    if (!parsed.ok) {
      done('malformed', { error: parsed.error });
      return sendProblem(res, 400, 'Bad Request', parsed.error);
    }
    const callback = parsed.value;
    try {
      await client.workflow.getHandle(workflowId).signal(providerCallbackSignal, callback);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        // Closed (or never ours): acknowledge so the provider stops retrying.
        done('ignored', { taskId: callback.taskId });
        return void res.json({ status: 'ignored' });
      }
      done('unavailable', { taskId: callback.taskId, error: err instanceof Error ? err.message : String(err) });
      return sendProblem(res, 503, 'Service Unavailable', 'could not record the callback; retry later');
    }
    done('received', { taskId: callback.taskId, code: callback.code });
    res.json({ status: 'received' });
  });
  return router;
}
