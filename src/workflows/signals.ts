import type { ProviderCallback } from '../provider/types';
import { readCallbackBody } from './callback-body';
import { isRecord } from './json-checks';
import type { MalformedCallback } from './messages';

/**
 * What a signal carries, read without trusting it: signals come from the callback receiver, and
 * also from anyone who can signal a workflow (the Temporal CLI, another SDK, the UI). A signal
 * that cannot be read is a malformed callback, counted and kept; reading never throws.
 */

export type ReadCallback = { ok: true; callback: ProviderCallback } | { ok: false; malformed: MalformedCallback };

/** Bytes of an unreadable signal kept for inspection. */
const PREVIEW_CHARS = 1024;

/**
 * A `providerCallback` signal: the receiver's normalized callback, or the provider's raw body
 * (`{"code":200,"data":{"task_id":…}}`) as someone may paste it. Both are read by the rules a
 * callback that came over HTTP is held to (./callback-body).
 */
export function readCallbackSignal(value: unknown): ReadCallback {
  if (!isRecord(value)) return unreadable(value, '(signal): expected a callback object');
  const body = 'data' in value ? value : { code: value.code, msg: value.msg, data: { taskId: value.taskId, audioWavUrl: value.audioWavUrl } };
  const read = readCallbackBody(body, 'signal');
  return read.ok ? { ok: true, callback: read.value } : unreadable(value, read.error);
}

/**
 * How 0.1.0 read the signal: any object, as it came. Runs started on it replay with it, so that a
 * callback they treated as another task's is still treated so; what is not an object (which
 * failed their workflow tasks) is malformed.
 */
export function readCallbackSignalAsBefore(value: unknown): ReadCallback {
  return isRecord(value) ? { ok: true, callback: value as unknown as ProviderCallback } : unreadable(value, '(signal): expected a callback object');
}

/** A `malformedCallback` signal: the body and the error, as text whatever arrived. */
export function readMalformedSignal(value: unknown): { malformed: MalformedCallback; readable: boolean } {
  if (isRecord(value) && typeof value.body === 'string' && typeof value.error === 'string') return { malformed: { body: value.body, error: value.error }, readable: true };
  return { malformed: { body: preview(value), error: '(signal): expected { body, error } strings' }, readable: false };
}

function unreadable(value: unknown, error: string): ReadCallback {
  return { ok: false, malformed: { body: preview(value), error } };
}

function preview(value: unknown): string {
  try {
    return (JSON.stringify(value) ?? String(value)).slice(0, PREVIEW_CHARS);
  } catch {
    return String(value).slice(0, PREVIEW_CHARS);
  }
}
