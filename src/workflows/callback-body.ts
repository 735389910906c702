import type { ProviderCallback } from '../provider/types';
import { describeIssues, httpUrl, object, runCheck, text, type Check } from './json-checks';

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

const anyText = text();
const message: Check<string> = (value, path, issues) => (value === undefined || value === null ? '' : anyText(value, path, issues));
const url = notGiven(httpUrl());

const callbackBody = object({
  code,
  msg: message,
  data: object({ task_id: notGiven(anyText), taskId: notGiven(anyText), audioWavUrl: url, audio_wav_url: url }),
});

/** The callback, or one line naming every field that is wrong, each under `root`. */
export function readCallbackBody(value: unknown, root?: string): { ok: true; value: ProviderCallback } | { ok: false; error: string } {
  const read = runCheck(callbackBody, value, root);
  if (!read.ok) return read;
  const { code, msg, data } = read.value;
  const taskId = data.task_id ?? data.taskId;
  if (!taskId) return { ok: false, error: describeIssues([{ path: ['data', 'task_id'], message: 'task_id is required' }], root) };
  const callback: ProviderCallback = { taskId, code, msg };
  const audioWavUrl = data.audioWavUrl ?? data.audio_wav_url;
  if (audioWavUrl) callback.audioWavUrl = audioWavUrl;
  return { ok: true, value: callback };
}
