import { Router } from 'express';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { objectName, type WavStore } from '../download';
import { PhaseAttribute } from '../workflows';
import { sendProblem } from './problem';

/**
 * GET /v1/conversions/:id/wav: the finished file, as audio/wav. It is the store's own object for
 * that conversion id, never a path from workflow state (which anyone who can start a workflow
 * through Temporal decides). Temporal's describe says whether the conversion completed, so no
 * worker is needed; then a file store streams it (with Range) and an object store answers 302 to
 * a presigned URL.
 */
export function conversionFileRouter({ client, store }: { client: Client; store?: WavStore | undefined }): Router {
  const router = Router();
  router.get('/v1/conversions/:id/wav', async (req, res, next) => {
    const id = req.params.id;
    const description = await client.workflow
      .getHandle(id)
      .describe()
      .catch((err: unknown) => {
        if (err instanceof WorkflowNotFoundError) return undefined;
        throw err;
      });
    if (!description) return sendProblem(res, 404, 'Not Found', `no conversion with id ${id}`);
    if (description.status.name !== 'COMPLETED') {
      const phase = description.typedSearchAttributes.get(PhaseAttribute) ?? description.status.name.toLowerCase();
      return sendProblem(res, 409, 'Conflict', `conversion ${id} has no file (phase ${phase})`);
    }
    if (!store) return sendProblem(res, 503, 'Service Unavailable', 'this server has no WAV store configured');
    const name = objectName(id);
    // The name is safe in a header: letters, digits and `_ . - % ~` only.
    const filename = `${name}.wav`;
    const access = await store.access(name, { filename });
    if (!access) return sendProblem(res, 404, 'Not Found', `conversion ${id} completed, but the store has no file for it`);
    if (access.kind === 'url') return res.redirect(302, access.url);
    res.sendFile(
      access.file,
      { root: access.root, headers: { 'content-type': 'audio/wav', 'content-disposition': `attachment; filename="${filename}"` } },
      (err) => err && next(err),
    );
  });
  return router;
}
