import express, { type Express } from 'express';
import type { Client } from '@temporalio/client';
import type { StartOptions } from '../conversions';
import type { WavStore } from '../download';
import { CALLBACK_LIMIT_DEFAULTS } from '../config';
import type { Logger } from '../lib';
import { metricsHandler, Metrics } from '../metrics';
import { requireApiToken } from './api-token';
import type { CallbackLimit } from './callback-budget';
import { callbackRouter } from './callbacks';
import { conversionFileRouter } from './conversion-file';
import { conversionListRouter } from './conversion-list';
import { conversionsRouter } from './conversions';
import { openApiDocument } from './openapi';
import { problemHandler, sendProblem } from './problem';

export interface AppDeps {
  client: Client;
  namespace: string;
  callbackSecret: string;
  temporalUiUrl: string;
  start: StartOptions;
  logger: Logger;
  webhook?: { hmacKey: string; replayWindowSeconds: number } | undefined;
  /** Bearer token required on /v1; the API is open without one (development only: see config). */
  apiToken?: string | undefined;
  /** Shared with an in-process worker (`npm start`) so one scrape sees both; else its own. */
  metrics?: Metrics | undefined;
  /** Where `GET /v1/conversions/:id/wav` finds files (WAV_STORE); without one that route answers 503. */
  store?: WavStore | undefined;
  /** Callbacks per conversion that may reach Temporal. Default: the configuration's defaults. */
  callbackLimit?: CallbackLimit | undefined;
}

/** The HTTP face of wavflow: the provider's callback receiver and the conversions API. */
export function createApp(appDeps: AppDeps): Express {
  const deps = { ...appDeps, metrics: appDeps.metrics ?? new Metrics(), callbackLimit: appDeps.callbackLimit ?? CALLBACK_LIMIT_DEFAULTS };
  const app = express();
  app.disable('x-powered-by');
  app.use(callbackRouter(deps));
  if (deps.apiToken) {
    app.use('/v1', requireApiToken(deps.apiToken));
    // Prometheus sends the same bearer token (`authorization` in its scrape config).
    app.use('/metrics', requireApiToken(deps.apiToken));
  }
  app.get('/metrics', metricsHandler(deps.metrics));
  app.use(conversionsRouter(deps));
  app.use(conversionListRouter(deps));
  app.use(conversionFileRouter(deps));
  const openApi = openApiDocument();
  app.get('/openapi.json', (_req, res) => void res.json(openApi));
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  // Ready when Temporal answers: a load balancer then sends callbacks only where they can be recorded.
  app.get('/readyz', async (_req, res) => {
    try {
      await deps.client.connection.withDeadline(Date.now() + 2_000, () => deps.client.workflowService.getSystemInfo({}));
      res.json({ status: 'ready' });
    } catch (err) {
      sendProblem(res, 503, 'Service Unavailable', `Temporal unreachable: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
  });
  app.use((_req, res) => sendProblem(res, 404, 'Not Found'));
  app.use(problemHandler((err) => deps.logger.error({ err }, 'unhandled error in request')));
  return app;
}
