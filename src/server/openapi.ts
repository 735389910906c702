import { z } from 'zod';
import { startConversionRequest } from '../client';
import { listConversionsQuery } from './conversion-list';
import { MAX_BATCH_ITEMS } from './conversions';

/**
 * The OpenAPI 3.1 document of the HTTP API. Request schemas are the zod schemas the routes
 * validate with; JSON Schema 2020-12 is what OpenAPI 3.1 speaks.
 */
const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' });

const problem = z.object({ type: z.string(), title: z.string(), status: z.number().int(), detail: z.string().optional() }).describe('RFC 9457 problem details');
const started = z.object({
  conversionId: z.string(),
  runId: z.string(),
  created: z.boolean().describe('false when the conversion already existed'),
  statusUrl: z.string(),
  temporalUiUrl: z.string(),
});
// The route checks the envelope first and then each item with startConversionRequest, so one bad item fails alone.
const batchRequest = z.object({ items: z.array(startConversionRequest).min(1).max(MAX_BATCH_ITEMS) }).strict();
const batchItem = z.object({
  index: z.number().int(),
  status: z.number().int().describe('201 started, 200 already existed, 400 invalid item, 5xx Temporal error'),
  conversionId: z.string().optional(),
  runId: z.string().optional(),
  statusUrl: z.string().optional(),
  detail: z.string().optional().describe('why the item was not started, naming the field'),
});
const batchResult = z.object({ items: z.array(batchItem), created: z.number().int(), existing: z.number().int(), failed: z.number().int() });
const summary = z.object({
  conversionId: z.string(),
  runId: z.string(),
  workflowStatus: z.string(),
  phase: z.string().optional(),
  wavTaskId: z.string().optional(),
  audioId: z.string().optional(),
  startedAt: z.string().optional(),
  closedAt: z.string().optional(),
});
const status = z
  .object({
    conversionId: z.string(),
    phase: z.string(),
    wavTaskId: z.string().optional(),
    polls: z.number().int(),
    result: z.object({}).loose().optional(),
    download: z
      .object({ bytes: z.number().int(), total: z.number().int().optional(), attempt: z.number().int() })
      .optional()
      .describe("While downloading: the download's last heartbeat"),
  })
  .loose()
  .describe('The `status` query of the conversion (ConversionStatus in src/workflows/messages.ts)');
const callback = z.object({ code: z.union([z.number(), z.string()]), msg: z.string().optional(), data: z.object({}).loose() }).describe('The provider callback, any documented variant');

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema: jsonSchema(schema) } } });
const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: jsonSchema(problem) } } });
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

export function openApiDocument(): Record<string, unknown> {
  const query = jsonSchema(listConversionsQuery) as { properties: Record<string, Record<string, unknown>> };
  return {
    openapi: '3.1.0',
    info: { title: 'wavflow', version: '0.1.0', description: 'Durable "Convert to WAV" conversions on Temporal.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'API_TOKEN' } } },
    paths: {
      '/v1/conversions': {
        post: {
          summary: 'Start a conversion (idempotent)',
          security: [{ bearer: [] }],
          requestBody: { required: true, ...json(startConversionRequest) },
          responses: { 201: { description: 'started', ...json(started) }, 200: { description: 'already existed', ...json(started) }, 400: problemResponse('invalid request') },
        },
        get: {
          summary: 'List conversions',
          security: [{ bearer: [] }],
          parameters: Object.entries(query.properties).map(([name, schema]) => ({ name, in: 'query', required: false, schema })),
          responses: { 200: { description: 'a page', ...json(z.object({ items: z.array(summary), nextCursor: z.string().optional() })) }, 400: problemResponse('invalid query') },
        },
      },
      '/v1/conversions/batch': {
        post: {
          summary: `Start up to ${MAX_BATCH_ITEMS} conversions (idempotent), reported per item in input order`,
          security: [{ bearer: [] }],
          requestBody: { required: true, ...json(batchRequest) },
          responses: {
            200: { description: 'one result per item', ...json(batchResult) },
            400: problemResponse('invalid envelope (no items)'),
            413: problemResponse(`more than ${MAX_BATCH_ITEMS} items, or a body above 1 MB`),
          },
        },
      },
      '/v1/conversions/{id}': {
        get: { summary: 'Status of a conversion', security: [{ bearer: [] }], parameters: [idParam], responses: { 200: { description: 'status', ...json(status) }, 404: problemResponse('unknown') } },
        delete: {
          summary: 'Cancel a conversion',
          security: [{ bearer: [] }],
          parameters: [idParam],
          responses: { 202: { description: 'cancelling' }, 404: problemResponse('unknown'), 409: problemResponse('already closed') },
        },
      },
      '/v1/conversions/{id}/wav': {
        get: {
          summary: 'The WAV file (Range supported)',
          security: [{ bearer: [] }],
          parameters: [idParam],
          responses: { 200: { description: 'the file', content: { 'audio/wav': {} } }, 206: { description: 'a range' }, 404: problemResponse('unknown'), 409: problemResponse('no file yet') },
        },
      },
      '/callbacks/wav/{workflowId}/{sig}': {
        post: {
          summary: "The provider's callback (signed URL)",
          parameters: [
            { name: 'workflowId', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'sig', in: 'path', required: true, schema: { type: 'string' } },
          ],
          requestBody: { required: true, ...json(callback) },
          responses: {
            200: { description: 'received, or ignored for a closed conversion' },
            400: problemResponse('malformed'),
            401: problemResponse('bad signature'),
            413: problemResponse('too large'),
            415: problemResponse('not JSON'),
            503: problemResponse('Temporal unreachable: retry'),
          },
        },
      },
      '/healthz': { get: { summary: 'Process up', responses: { 200: { description: 'ok' } } } },
      '/readyz': { get: { summary: 'Temporal reachable', responses: { 200: { description: 'ready' }, 503: problemResponse('not ready') } } },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics (bearer token when API_TOKEN is set)',
          responses: { 200: { description: 'Prometheus text exposition format', content: { 'text/plain': {} } }, 401: problemResponse('missing or wrong token') },
        },
      },
      '/openapi.json': { get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' } } } },
    },
  };
}
