import express, { type Express, type RequestHandler } from 'express';
import type { Metrics } from './metrics';

/** GET handler answering a Prometheus scrape. */
export function metricsHandler(metrics: Metrics): RequestHandler {
  return async (_req, res, next) => {
    try {
      res.type(metrics.contentType).send(await metrics.render());
    } catch (err) {
      next(err);
    }
  };
}

/**
 * The worker's own small HTTP face: its metrics, and a health check that fails once the worker
 * stopped polling (what a container health check or an orchestrator restarts on).
 */
export function workerMetricsApp(metrics: Metrics, running: () => boolean): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', metricsHandler(metrics));
  app.get('/healthz', (_req, res) => void res.status(running() ? 200 : 503).json({ status: running() ? 'ok' : 'stopped' }));
  app.use((_req, res) => void res.status(404).json({ error: 'not found' }));
  return app;
}

/** The Temporal SDK's own metrics, read from its Prometheus exporter, for appending to ours. */
export function sdkMetricsSource(bindAddress: string): () => Promise<string> {
  return async () => {
    const response = await fetch(`http://${bindAddress}/metrics`, { signal: AbortSignal.timeout(2_000) });
    return response.ok ? response.text() : '';
  };
}
