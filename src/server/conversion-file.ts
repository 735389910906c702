import { Router } from 'express';
import type { Client } from '@temporalio/client';
import { getConversion } from '../client';
import { sendProblem } from './problem';

/** GET /v1/conversions/:id/wav: the finished file, with Range support, as audio/wav. */
export function conversionFileRouter({ client }: { client: Client }): Router {
  const router = Router();
  router.get('/v1/conversions/:id/wav', async (req, res, next) => {
    const conversion = await getConversion(client, req.params.id);
    if (!conversion) return sendProblem(res, 404, 'Not Found', `no conversion with id ${req.params.id}`);
    if (!conversion.result) return sendProblem(res, 409, 'Conflict', `conversion ${req.params.id} has no file (phase ${conversion.phase})`);
    res.sendFile(
      conversion.result.path,
      {
        headers: { 'content-type': 'audio/wav', 'content-disposition': `attachment; filename="${conversion.conversionId}.wav"` },
        // The path is the worker's own result, not the request's; the default WAV_OUTPUT_DIR is .data/wav.
        dotfiles: 'allow',
      },
      (err) => err && next(err),
    );
  });
  return router;
}
