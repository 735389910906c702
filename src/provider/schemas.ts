import { z } from 'zod';
import type { ProviderCallback, ProviderRecord } from './types';

/**
 * Wire schemas for the provider's payloads. They accept every variant the providers document
 * (field names in snake_case or camelCase, the URL at the top or under `response`, codes as numbers
 * or digit strings, dates with or without a zone) and normalize to the types in ./types.
 * The workflow reads callback signals by the same rules without zod (src/workflows/callback-body.ts),
 * held to `callbackSchema` by a property test.
 */

const code = z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]);
const optionalText = z.string().nullish().transform((v) => (v ? v : undefined));
const optionalUrl = z
  .union([z.url({ protocol: /^https?$/ }), z.literal('')])
  .nullish()
  .transform((v) => (v ? v : undefined));

/** "YYYY-MM-DD HH:MM:SS" (zone unstated: read as UTC) or ISO-8601. Null while pending. */
const providerDate = z
  .union([
    z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/).transform((s) => `${s.replace(' ', 'T')}Z`),
    z.iso.datetime({ offset: true }),
    z.iso.datetime({ local: true }).transform((s) => `${s}Z`),
  ])
  .nullish()
  // The space-separated pattern admits impossible values (month 13, hour 25): reject them here,
  // or toISOString() would throw out of safeParse instead of reporting the field.
  .refine((s) => !s || !Number.isNaN(Date.parse(s)), 'not a valid date')
  .transform((s) => (s ? new Date(s).toISOString() : undefined));

export const envelopeSchema = z.object({
  code,
  msg: z.string().nullish().transform((m) => m ?? ''),
  data: z.unknown().optional(),
});

export const submitDataSchema = z.object({
  taskId: z.string().min(1),
});

const urlFields = {
  audioWavUrl: optionalUrl,
  audio_wav_url: optionalUrl,
};

export const recordDataSchema = z
  .object({
    taskId: optionalText,
    task_id: optionalText,
    musicId: optionalText,
    musicIndex: z
      .union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)])
      .nullish()
      .transform((v) => v ?? undefined),
    callbackUrl: optionalText,
    completeTime: providerDate,
    createTime: providerDate,
    response: z.object(urlFields).nullish(),
    ...urlFields,
    successFlag: optionalText,
    status: optionalText,
    errorCode: z
      .union([z.number(), z.string().regex(/^-?\d+$/).transform(Number)])
      .nullish()
      .transform((v) => (v ? v : undefined)),
    errorMessage: optionalText,
  })
  .superRefine((d, ctx) => {
    if (!d.taskId && !d.task_id) ctx.addIssue({ code: 'custom', path: ['taskId'], message: 'taskId is required' });
    if (!d.successFlag && !d.status)
      ctx.addIssue({ code: 'custom', path: ['successFlag'], message: 'successFlag or status is required' });
  })
  .transform((d): ProviderRecord => {
    const record: ProviderRecord = {
      taskId: (d.taskId ?? d.task_id) as string,
      state: (d.successFlag ?? d.status ?? '').trim().toUpperCase(),
    };
    const url = d.response?.audioWavUrl ?? d.response?.audio_wav_url ?? d.audioWavUrl ?? d.audio_wav_url;
    if (url) record.audioWavUrl = url;
    if (d.musicId) record.musicId = d.musicId;
    if (d.musicIndex !== undefined) record.musicIndex = d.musicIndex;
    if (d.errorCode !== undefined) record.errorCode = d.errorCode;
    if (d.errorMessage) record.errorMessage = d.errorMessage;
    if (d.createTime) record.createTime = d.createTime;
    if (d.completeTime) record.completeTime = d.completeTime;
    return record;
  });

export const callbackSchema = z
  .object({
    code,
    msg: z.string().nullish().transform((m) => m ?? ''),
    data: z.object({
      task_id: optionalText,
      taskId: optionalText,
      ...urlFields,
    }),
  })
  .superRefine((b, ctx) => {
    if (!b.data.task_id && !b.data.taskId)
      ctx.addIssue({ code: 'custom', path: ['data', 'task_id'], message: 'task_id is required' });
  })
  .transform((b): ProviderCallback => {
    const callback: ProviderCallback = { taskId: (b.data.task_id ?? b.data.taskId) as string, code: b.code, msg: b.msg };
    const url = b.data.audioWavUrl ?? b.data.audio_wav_url;
    if (url) callback.audioWavUrl = url;
    return callback;
  });

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** One line naming every offending field, e.g. `data.task_id: task_id is required`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(body)'}: ${issue.message}`)
    .join('; ');
}

function parseWith<T>(schema: z.ZodType<T>, input: unknown): ParseResult<T> {
  const result = schema.safeParse(input);
  return result.success ? { ok: true, value: result.data } : { ok: false, error: describeIssues(result.error) };
}

export const parseCallback = (body: unknown) => parseWith(callbackSchema, body);
export const parseRecord = (data: unknown) => parseWith(recordDataSchema, data);
