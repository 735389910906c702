import { Router } from 'express';
import { isGrpcServiceError, ServiceError, type Client } from '@temporalio/client';
import { z } from 'zod';
import { conversionListQuery, listConversions } from '../conversions';
import { PHASES } from '../workflows';
import { cursorKey, openCursor, sealCursor } from './list-cursor';
import { sendProblem } from './problem';

export const listConversionsQuery = z
  .object({
    status: z.enum(PHASES).optional().describe('Only conversions in this phase.'),
    limit: z.coerce.number().int().min(1).max(1000).default(50).describe('Page size.'),
    cursor: z.string().regex(/^[A-Za-z0-9_-]*$/, 'not a cursor').optional().describe('`nextCursor` of the previous page, with the same `status`.'),
  })
  .strict();

/** gRPC INVALID_ARGUMENT: Temporal refused the page token (e.g. one it no longer accepts). */
const INVALID_ARGUMENT = 3;

/** GET /v1/conversions: a page of conversions from Temporal's visibility store. */
export function conversionListRouter({ client, namespace, callbackSecret }: { client: Client; namespace: string; callbackSecret: string }): Router {
  const router = Router();
  const key = cursorKey(callbackSecret);
  router.get('/v1/conversions', async (req, res) => {
    const parsed = listConversionsQuery.safeParse(req.query);
    if (!parsed.success) return sendProblem(res, 400, 'Bad Request', describeQueryIssues(parsed.error));
    const { status, limit, cursor } = parsed.data;
    const query = conversionListQuery(status);
    const pageToken = cursor ? openCursor(cursor, query, key) : undefined;
    const badCursor = () => sendProblem(res, 400, 'Bad Request', 'cursor: not a nextCursor this API handed out for this status filter');
    if (cursor && !pageToken) return badCursor();
    try {
      const page = await listConversions(client, { namespace, status, limit, pageToken });
      res.json({ items: page.items, ...(page.nextPageToken ? { nextCursor: sealCursor(page.nextPageToken, query, key) } : {}) });
    } catch (err) {
      const grpc = err instanceof ServiceError ? err.cause : err;
      if (pageToken && isGrpcServiceError(grpc) && Number(grpc.code) === INVALID_ARGUMENT) return badCursor();
      throw err;
    }
  });
  return router;
}

/** Each problem labelled with the query parameter it is about (an unknown one by its own name). */
function describeQueryIssues(error: z.ZodError): string {
  return error.issues
    .flatMap((issue) =>
      issue.code === 'unrecognized_keys' ? issue.keys.map((name) => `${name}: unknown query parameter`) : [`${issue.path.join('.') || 'query'}: ${issue.message}`],
    )
    .join('; ');
}
