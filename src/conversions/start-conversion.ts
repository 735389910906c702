import { Client, isGrpcDeadlineError, isGrpcServiceError, ServiceError, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { z } from 'zod';
import { mapWithConcurrency } from '../lib';
import { describeIssues } from '../provider';
import { DEADLINE_MS, POLL_INTERVAL_MS } from '../workflows/input';
import { conversionInputSchema, secondsWithin, sourceId } from './input-schema';
import { convertToWav, AudioIdAttribute, PhaseAttribute, type ConversionInput } from '../workflows';

/**
 * Programmatic starts. One conversion per workflow id; starting an id again returns the
 * existing conversion instead of paying the provider twice.
 */

/**
 * The HTTP API's start request: the workflow's own input fields (src/workflows/input.ts), with
 * its durations in seconds. Their bounds are the workflow's, so what passes here passes there.
 */
export const startConversionRequest = z
  .object({
    conversionId: sourceId.optional().describe('Workflow id; default `wav-<audioId or taskId>`.'),
    audioId: conversionInputSchema.shape.audioId.describe("The source track's audioId."),
    taskId: conversionInputSchema.shape.taskId.describe('The source music-generation taskId.'),
    pollIntervalSeconds: secondsWithin(POLL_INTERVAL_MS).optional().describe('Record-info poll interval (5 s to 1 h); default POLL_INTERVAL_SECONDS.'),
    deadlineSeconds: secondsWithin(DEADLINE_MS).optional().describe('Overall wait (1 s to 7 days); default CONVERSION_DEADLINE_SECONDS.'),
    confirmCallbacks: conversionInputSchema.shape.confirmCallbacks.describe('Confirm callbacks with record-info; default CONFIRM_CALLBACKS.'),
  })
  .strict()
  .refine((r) => r.audioId || r.taskId, { message: 'audioId or taskId is required', path: ['audioId'] });

export type StartConversionRequest = z.infer<typeof startConversionRequest>;

export interface StartOptions {
  taskQueue: string;
  /** Used when the request does not set its own. */
  defaultPollIntervalSeconds?: number;
  defaultDeadlineSeconds?: number;
  defaultConfirmCallbacks?: boolean;
  /** Who starts conversions through this path (api, cli, code, demo); shown in the Temporal UI. */
  startedBy?: string;
  /** Workflow input not exposed to callers (e.g. tests shorten the history limit). */
  input?: Partial<ConversionInput>;
  /**
   * Eager workflow start: the start's answer carries the first workflow task to a worker in this
   * process, instead of the server queueing it for a worker's poll. Only for a client on the
   * NativeConnection of a running worker of `taskQueue` (the SDK refuses it otherwise), as under
   * `npm start`; the server falls back to a normal start when that worker has no free slot.
   */
  eagerStart?: boolean;
}

export interface StartedConversion {
  conversionId: string;
  runId: string;
  /** False when the conversion already existed (running, or completed successfully). */
  created: boolean;
  /** True when the first workflow task went straight to this process's worker (eagerStart). */
  eagerlyStarted?: boolean;
}

export function conversionIdFor(request: Pick<StartConversionRequest, 'conversionId' | 'audioId' | 'taskId'>): string {
  return request.conversionId ?? `wav-${request.audioId ?? request.taskId}`;
}

export async function startConversion(client: Client, request: StartConversionRequest, options: StartOptions): Promise<StartedConversion> {
  const conversionId = conversionIdFor(request);
  const startedBy = options.startedBy ?? 'code';
  const input: ConversionInput = {
    ...options.input,
    ...(request.taskId ? { taskId: request.taskId } : {}),
    ...(request.audioId ? { audioId: request.audioId } : {}),
    startedBy,
  };
  const confirmCallbacks = request.confirmCallbacks ?? options.defaultConfirmCallbacks;
  if (confirmCallbacks !== undefined) input.confirmCallbacks = confirmCallbacks;
  const pollSeconds = request.pollIntervalSeconds ?? options.defaultPollIntervalSeconds;
  const deadlineSeconds = request.deadlineSeconds ?? options.defaultDeadlineSeconds;
  if (pollSeconds !== undefined) input.pollIntervalMs = Math.round(pollSeconds * 1000);
  if (deadlineSeconds !== undefined) input.deadlineMs = Math.round(deadlineSeconds * 1000);
  try {
    const handle = await client.workflow.start(convertToWav, {
      workflowId: conversionId,
      taskQueue: options.taskQueue,
      args: [input],
      // USE_EXISTING would give the same run back but the SDK does not say whether it created one;
      // FAIL + adopting the existing run behaves the same and tells us (201 vs 200 in the API).
      workflowIdConflictPolicy: 'FAIL',
      // A successful conversion is never redone; a failed, cancelled or timed-out one may be.
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      typedSearchAttributes: [
        { key: AudioIdAttribute, value: request.audioId ?? '' },
        { key: PhaseAttribute, value: 'submitting' },
      ],
      staticSummary: `WAV conversion of ${request.audioId ? `audio ${request.audioId}` : `task ${request.taskId}`}`,
      ...(options.eagerStart ? { requestEagerStart: true } : {}),
      staticDetails: [
        `**source** audioId \`${request.audioId ?? '-'}\`, taskId \`${request.taskId ?? '-'}\``,
        `**started by** ${startedBy}`,
        `**polls** every ${(input.pollIntervalMs ?? 30_000) / 1000} s; callbacks ${input.confirmCallbacks === false ? 'trusted' : 'confirmed by record-info'}`,
      ].join('\n\n'),
    });
    return { conversionId, runId: handle.firstExecutionRunId, created: true, ...(options.eagerStart ? { eagerlyStarted: handle.eagerlyStarted } : {}) };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const description = await client.workflow.getHandle(conversionId).describe();
    return { conversionId, runId: description.runId, created: false };
  }
}

/** One item of a batch start, in input order: started (or found), or why not. */
export type BatchItemResult =
  | ({ index: number } & StartedConversion)
  | { index: number; conversionId?: string; error: { status: number; detail: string } };

/**
 * Starts many conversions, `concurrency` at a time, each exactly as `startConversion` does
 * (idempotent). Each item is validated with `startConversionRequest`; an invalid item (400, naming
 * the field) or a Temporal error for one item is reported for that item and stops no other.
 */
export async function startConversions(
  client: Client,
  requests: readonly unknown[],
  options: StartOptions,
  concurrency = 20,
): Promise<BatchItemResult[]> {
  return mapWithConcurrency(requests, concurrency, async (item, index): Promise<BatchItemResult> => {
    const parsed = startConversionRequest.safeParse(item);
    if (!parsed.success) return { index, error: { status: 400, detail: describeIssues(parsed.error) } };
    try {
      return { index, ...(await startConversion(client, parsed.data, options)) };
    } catch (err) {
      return { index, conversionId: conversionIdFor(parsed.data), error: temporalErrorFor(err) };
    }
  });
}

/** A client-safe status and one-line detail for an error Temporal gave while starting one item. */
function temporalErrorFor(err: unknown): { status: number; detail: string } {
  const grpc = isGrpcServiceError(err) ? err : err instanceof ServiceError && isGrpcServiceError(err.cause) ? err.cause : undefined;
  const code: number | undefined = grpc?.code;
  // gRPC UNAVAILABLE (14) and RESOURCE_EXHAUSTED (8): worth retrying later.
  const unavailable = isGrpcDeadlineError(err) || code === 14 || code === 8;
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0]?.slice(0, 300) ?? '';
  return { status: unavailable ? 503 : 500, detail: `Temporal: ${message}` };
}
