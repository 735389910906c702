import { Router } from 'express';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { describeIssues } from '../provider';
import { listConversions } from '../list-conversions';
import { PHASES } from '../workflows';
import { sendProblem } from './problem';

export const listConversionsQuery = z
  .object({
    status: z.enum(PHASES).optional().describe('Only conversions in this phase.'),
    limit: z.coerce.number().int().min(1).max(1000).default(50).describe('Page size.'),
    cursor: z.string().regex(/^[A-Za-z0-9_-]*$/).optional().describe('`nextCursor` of the previous page.'),
  })
  .strict();

/** GET /v1/conversions: a page of conversions from Temporal's visibility store. */
export function conversionListRouter({ client, namespace }: { client: Client; namespace: string }): Router {
  const router = Router();
  router.get('/v1/conversions', async (req, res) => {
    const parsed = listConversionsQuery.safeParse(req.query);
    if (!parsed.success) return sendProblem(res, 400, 'Bad Request', describeIssues(parsed.error));
    res.json(await listConversions(client, { namespace, ...parsed.data }));
  });
  return router;
}
