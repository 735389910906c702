import { Client } from '@temporalio/client';
import type { Express } from 'express';
import pino from 'pino';
import { createApp } from '../../src/server';
import { openApiDocument } from '../../src/server/openapi';

/** The OpenAPI document describes every route the app serves, with the schemas it validates with. */
interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  /** `serves`: a middleware that answers routes of its own (the callback receiver, ahead of the router). */
  handle?: { stack?: Layer[]; serves?: string[] };
}

function routes(app: Express): string[] {
  const walk = (stack: Layer[]): string[] =>
    stack.flatMap((layer) =>
      layer.route
        ? Object.keys(layer.route.methods).map((method) => `${method} ${layer.route?.path.replace(/:(\w+)/g, '{$1}')}`)
        : (layer.handle?.serves ?? walk(layer.handle?.stack ?? [])),
    );
  return walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
}

test('every route is documented, and nothing else', () => {
  // A lazily connected client: building the app sends nothing.
  const app = createApp({
    client: new Client(),
    namespace: 'default',
    callbackSecret: 'x'.repeat(32),
    temporalUiUrl: 'http://127.0.0.1:8233',
    start: { taskQueue: 'q' },
    logger: pino({ level: 'silent' }),
  });
  const paths = openApiDocument().paths as Record<string, Record<string, unknown>>;
  const documented = Object.entries(paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`));

  expect(documented.sort()).toEqual(routes(app).sort());
});

test('the request body schema is the validation schema', () => {
  const post = (openApiDocument().paths as Record<string, { post?: { requestBody: { content: Record<string, { schema: { properties: object } }> } } }>)['/v1/conversions']?.post;
  expect(Object.keys(post?.requestBody.content['application/json']?.schema.properties ?? {})).toEqual([
    'conversionId',
    'audioId',
    'taskId',
    'pollIntervalSeconds',
    'deadlineSeconds',
    'confirmCallbacks',
  ]);
});
