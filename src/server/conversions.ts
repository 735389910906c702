import { Router, json } from 'express';
import type { Client } from '@temporalio/client';
import { cancelConversion, conversionUiUrl, getConversion, startConversion, startConversionRequest, type StartOptions } from '../client';
import { describeIssues } from '../provider';
import { sendProblem } from './problem';

export interface ConversionRouteDeps {
  client: Client;
  namespace: string;
  temporalUiUrl: string;
  start: StartOptions;
}

/** The programmatic API: start a conversion idempotently and read its status. */
export function conversionsRouter({ client, namespace, temporalUiUrl, start }: ConversionRouteDeps): Router {
  const router = Router();
  const links = (id: string) => ({
    statusUrl: `/v1/conversions/${encodeURIComponent(id)}`,
    temporalUiUrl: conversionUiUrl(temporalUiUrl, namespace, id),
  });

  router.post('/v1/conversions', json({ limit: '16kb' }), async (req, res) => {
    const parsed = startConversionRequest.safeParse(req.body ?? {});
    if (!parsed.success) return sendProblem(res, 400, 'Bad Request', describeIssues(parsed.error));
    const started = await startConversion(client, parsed.data, start);
    const body = { ...started, ...links(started.conversionId) };
    res.location(body.statusUrl).status(started.created ? 201 : 200).json(body);
  });

  router.get('/v1/conversions/:id', async (req, res) => {
    const conversion = await getConversion(client, req.params.id);
    if (!conversion) return sendProblem(res, 404, 'Not Found', `no conversion with id ${req.params.id}`);
    res.json({ ...conversion, ...links(conversion.conversionId) });
  });

  router.delete('/v1/conversions/:id', async (req, res) => {
    const outcome = await cancelConversion(client, req.params.id);
    if (outcome === 'not-found') return sendProblem(res, 404, 'Not Found', `no conversion with id ${req.params.id}`);
    if (outcome !== 'cancelling') return sendProblem(res, 409, 'Conflict', `conversion ${req.params.id} is already closed (${outcome})`);
    res.status(202).json({ conversionId: req.params.id, status: 'cancelling', ...links(req.params.id) });
  });

  return router;
}
