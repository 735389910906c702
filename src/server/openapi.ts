import { z } from 'zod';
import { startConversionRequest } from '../conversions';
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
const download = z
  .object({ bytes: z.number().int(), total: z.number().int().optional(), attempt: z.number().int() })
  .describe("While downloading: the download's last heartbeat");
const status = z
  .object({
    conversionId: z.string(),
    phase: z.string(),
    runId: z.string(),
    workflowStatus: z.string().describe("Temporal's view of the run: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT"),
    source: z
      .enum(['query', 'temporal'])
      .describe("`query`: the workflow's own status (every field of ConversionStatus); `temporal`: a closed conversion, from Temporal's records (phase, ids, times, result or failure)"),
    queriedAt: z
      .string()
      .optional()
      .describe('With source `query`: when the workflow answered. An answer is reused while the phase is unchanged; `Cache-Control: max-age=N` refreshes counters older than N s, `no-cache` asks again'),
    audioId: z.string().optional(),
    wavTaskId: z.string().optional(),
    startedAt: z.string().optional(),
    closedAt: z.string().optional(),
    polls: z.number().int().optional(),
    result: z.object({}).loose().optional(),
    failure: z.object({ type: z.string(), message: z.string() }).optional(),
    download: download.optional(),
  })
  .loose()
  .describe('ConversionStatus (src/workflows/messages.ts) from the `status` query, or what Temporal records of a closed conversion (src/conversions/read-conversion.ts)');
const noWorker = problem
  .extend({
    taskQueue: z.string().describe('The task queue no worker answered on'),
    reason: z.enum(['no-pollers', 'timeout']).describe('`no-pollers`: DescribeTaskQueue lists no live poller; `timeout`: no answer within the query deadline (5 s)'),
    conversion: status.describe("What Temporal records without a worker: phase (the WavStatus search attribute), ids, times (source `temporal`)"),
  })
  .describe('RFC 9457 problem details: a running conversion whose status query no worker answered');
const callback = z.object({ code: z.union([z.number(), z.string()]), msg: z.string().optional(), data: z.object({}).loose() }).describe('The provider callback, any documented variant');

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema: jsonSchema(schema) } } });
const problemResponse = (description: string, schema: z.ZodType = problem) => ({ description, content: { 'application/problem+json': { schema: jsonSchema(schema) } } });
const retryAfter = { 'retry-after': { description: 'Seconds to wait before asking again', schema: { type: 'integer' } } };
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
          responses: {
            201: { description: 'started', ...json(started) },
            200: { description: 'already existed', ...json(started) },
            400: problemResponse('invalid request, naming the field'),
            415: problemResponse('the body is not application/json'),
          },
        },
        get: {
          summary: 'List conversions',
          security: [{ bearer: [] }],
          parameters: Object.entries(query.properties).map(([name, schema]) => ({ name, in: 'query', required: false, schema })),
          responses: {
            200: { description: 'a page', ...json(z.object({ items: z.array(summary), nextCursor: z.string().optional() })) },
            400: problemResponse('invalid query, naming the parameter; `cursor` when it is not a nextCursor this API handed out for the same `status`'),
          },
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
            415: problemResponse('the body is not application/json'),
            413: problemResponse(`more than ${MAX_BATCH_ITEMS} items, or a body above 1 MB`),
          },
        },
      },
      '/v1/conversions/{id}': {
        get: {
          summary: 'Status of a conversion (a closed one needs no worker)',
          security: [{ bearer: [] }],
          parameters: [
            idParam,
            {
              name: 'cache-control',
              in: 'header',
              required: false,
              schema: { type: 'string' },
              description: '`no-cache`: ask the workflow even when its last answer still holds; `max-age=N`: ask again when that answer is older than N s and the history grew',
            },
          ],
          responses: {
            200: { description: 'status', ...json(status) },
            404: problemResponse('unknown'),
            503: { ...problemResponse('running, and no worker answered its status query: names the task queue, with what Temporal records', noWorker), headers: retryAfter },
          },
        },
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
