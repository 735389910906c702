import { Router, json, type RequestHandler } from 'express';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { cancelConversion, conversionUiUrl, readConversion, startConversion, startConversionRequest, startConversions, StatusCache, type StartOptions } from '../conversions';
import { describeIssues } from '../provider';
import { sendProblem } from './problem';

export interface ConversionRouteDeps {
  client: Client;
  namespace: string;
  temporalUiUrl: string;
  start: StartOptions;
  /** Status query answers reused while a conversion's phase is unchanged; one per router by default. */
  statusCache?: StatusCache | undefined;
  /** How long a running conversion's status query may take before the answer is 503. */
  queryTimeoutMs?: number | undefined;
}

/** How soon a client may ask again after a 503 because no worker answered. */
const RETRY_AFTER_SECONDS = 5;

export const MAX_BATCH_ITEMS = 1000;

/** Items are checked one by one (startConversionRequest), so one bad item fails alone. */
export const startConversionsRequest = z
  .object({
    items: z
      .array(z.unknown())
      .min(1, 'at least one item')
      .max(MAX_BATCH_ITEMS, `at most ${MAX_BATCH_ITEMS} items per batch`)
      .describe('Each item as the body of POST /v1/conversions.'),
  })
  .strict();

/**
 * A body that is not JSON is refused, not ignored: express.json() leaves other media types
 * unparsed, and the start would then fail as if the fields were missing.
 */
const requireJson: RequestHandler = (req, res, next) => {
  if (req.is('application/json') === false) return sendProblem(res, 415, 'Unsupported Media Type', `the body must be application/json, not ${req.get('content-type')}`);
  next();
};

/** The programmatic API: start a conversion idempotently and read its status. */
export function conversionsRouter({ client, namespace, temporalUiUrl, start, statusCache, queryTimeoutMs }: ConversionRouteDeps): Router {
  const router = Router();
  const cache = statusCache ?? new StatusCache();
  const links = (id: string) => ({
    statusUrl: `/v1/conversions/${encodeURIComponent(id)}`,
    temporalUiUrl: conversionUiUrl(temporalUiUrl, namespace, id),
  });

  router.post('/v1/conversions', requireJson, json({ limit: '16kb' }), async (req, res) => {
    const parsed = startConversionRequest.safeParse(req.body ?? {});
    if (!parsed.success) return sendProblem(res, 400, 'Bad Request', describeIssues(parsed.error));
    const { conversionId, runId, created } = await startConversion(client, parsed.data, start);
    const body = { conversionId, runId, created, ...links(conversionId) };
    res.location(body.statusUrl).status(created ? 201 : 200).json(body);
  });

  // 1,000 items of at most ~700 bytes each.
  router.post('/v1/conversions/batch', requireJson, json({ limit: '1mb' }), async (req, res) => {
    const parsed = startConversionsRequest.safeParse(req.body ?? {});
    if (!parsed.success) {
      const tooMany = parsed.error.issues.some((i) => i.code === 'too_big' && i.path[0] === 'items');
      return sendProblem(res, tooMany ? 413 : 400, tooMany ? 'Payload Too Large' : 'Bad Request', describeIssues(parsed.error));
    }
    const results = await startConversions(client, parsed.data.items, start);
    const items = results.map((r) =>
      'error' in r
        ? { index: r.index, status: r.error.status, ...(r.conversionId ? { conversionId: r.conversionId } : {}), detail: r.error.detail }
        : { index: r.index, status: r.created ? 201 : 200, conversionId: r.conversionId, runId: r.runId, statusUrl: links(r.conversionId).statusUrl },
    );
    const count = (status: number) => items.filter((i) => i.status === status).length;
    res.json({ items, created: count(201), existing: count(200), failed: items.length - count(201) - count(200) });
  });

  // A closed conversion is read from Temporal's records; a running one is asked (see readConversion),
  // and its answer reused while its phase is unchanged. The request's Cache-Control decides
  // otherwise: `no-cache` asks again, `max-age=N` accepts counters at most N seconds old.
  router.get('/v1/conversions/:id', async (req, res) => {
    const { fresh, maxAgeMs } = cacheControl(req.get('cache-control'));
    const read = await readConversion(client, req.params.id, { cache, fresh, maxAgeMs, queryTimeoutMs });
    if (!read) return sendProblem(res, 404, 'Not Found', `no conversion with id ${req.params.id}`);
    const conversion = { ...read.view, ...links(read.view.conversionId) };
    if (read.unanswered) {
      res.set('retry-after', String(RETRY_AFTER_SECONDS));
      return sendProblem(res, 503, 'Service Unavailable', read.unanswered.detail, { taskQueue: read.unanswered.taskQueue, reason: read.unanswered.reason, conversion });
    }
    res.json(conversion);
  });

  router.delete('/v1/conversions/:id', async (req, res) => {
    const outcome = await cancelConversion(client, req.params.id);
    if (outcome === 'not-found') return sendProblem(res, 404, 'Not Found', `no conversion with id ${req.params.id}`);
    if (outcome !== 'cancelling') return sendProblem(res, 409, 'Conflict', `conversion ${req.params.id} is already closed (${outcome})`);
    res.status(202).json({ conversionId: req.params.id, status: 'cancelling', ...links(req.params.id) });
  });

  return router;
}

/** The request directives of Cache-Control that GET /v1/conversions/:id honours. */
function cacheControl(header: string | undefined): { fresh: boolean; maxAgeMs?: number } {
  const directives = (header ?? '').toLowerCase().split(',').map((d) => d.trim());
  const maxAge = directives.map((d) => /^max-age=(\d+)$/.exec(d)?.[1]).find((v) => v !== undefined);
  return { fresh: directives.includes('no-cache'), ...(maxAge !== undefined ? { maxAgeMs: Number(maxAge) * 1000 } : {}) };
}
