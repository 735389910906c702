import type { ProviderCallback } from '../provider/types';
import { httpUrl, object, runCheck, text, type Check } from './json-checks';

/**
 * A provider callback body in any documented variant (`task_id` or `taskId`, the URL under either
 * name, the code as a number or a digit string, nulls and empty strings for absent fields),
 * normalized to a ProviderCallback: what the receiver's zod schema (src/provider/schemas.ts)
 * reads from an HTTP body, read here without zod for signals. A property test holds the two to the
 * same answer (test/unit/workflow-checks.test.ts).
 */

/** Null, absent and '' are all "not given". */
function notGiven<T>(check: Check<T>): Check<T | undefined> {
  return (value, path, issues) => (value === undefined || value === null || value === '' ? undefined : check(value, path, issues));
}

const code: Check<number> = (value, path, issues) => {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  issues.push({ path, message: 'expected an integer or a string of digits' });
  return 0;
};

const message: Check<string> = (value, path, issues) => (value === undefined || value === null ? '' : text()(value, path, issues));

const callbackBody = object({
  code,
  msg: message,
  data: object({ task_id: notGiven(text()), taskId: notGiven(text()), audioWavUrl: notGiven(httpUrl()), audio_wav_url: notGiven(httpUrl()) }),
});

const providerCallback: Check<ProviderCallback | undefined> = (value, path, issues) => {
  const before = issues.length;
  const body = callbackBody(value, path, issues);
  if (issues.length > before) return undefined;
  const taskId = body.data.task_id ?? body.data.taskId;
  if (!taskId) {
    issues.push({ path: [...path, 'data', 'task_id'], message: 'task_id is required' });
    return undefined;
  }
  const callback: ProviderCallback = { taskId, code: body.code, msg: body.msg };
  const url = body.data.audioWavUrl ?? body.data.audio_wav_url;
  if (url) callback.audioWavUrl = url;
  return callback;
};

/** The callback, or one line naming every field that is wrong, each under `root`. */
export function readCallbackBody(value: unknown, root?: string): { ok: true; value: ProviderCallback } | { ok: false; error: string } {
  const read = runCheck(providerCallback, value, root);
  return read.ok ? { ok: true, value: read.value! } : read;
}
