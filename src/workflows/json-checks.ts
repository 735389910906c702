/**
 * Checks for JSON that reaches workflow code from outside: its input, its signals, a carried
 * state. Written without zod on purpose: a workflow run evaluates its modules afresh, and zod there
 * cost about 23 ms of the worker's 51 ms of CPU per conversion (bench/README.md). Property tests
 * hold every check built from these to the zod schema of the same rule at the HTTP door.
 *
 * A check returns what it read (objects keep only the keys they know) and reports every problem
 * into `issues`; whatever it returns is only used when no issue was reported.
 */

export type Path = readonly (string | number)[];
export interface Issue {
  path: Path;
  message: string;
}
export type Check<T> = (value: unknown, path: Path, issues: Issue[]) => T;

export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** What a value is, for a message: `expected a string, got null`. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

function refuse<T>(issues: Issue[], path: Path, message: string): T {
  issues.push({ path, message });
  return undefined as T;
}

export const unknownValue: Check<unknown> = (value) => value;

export const boolean: Check<boolean> = (value, path, issues) => (typeof value === 'boolean' ? value : refuse(issues, path, `expected a boolean, got ${kindOf(value)}`));

/** An integer from `min` to `max`, both included (a safe integer: no fractions, NaN or infinities). */
export function integer({ min, max = Number.MAX_SAFE_INTEGER }: { min: number; max?: number }): Check<number> {
  return (value, path, issues) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) return refuse(issues, path, `expected a number, got ${kindOf(value)}`);
    if (!Number.isSafeInteger(value)) return refuse(issues, path, 'expected an integer');
    if (value < min) return refuse(issues, path, `must be at least ${min}`);
    if (value > max) return refuse(issues, path, `must be at most ${max}`);
    return value;
  };
}

/** A string of `min` to `max` UTF-16 units, matching `pattern` when given (its own message, if it has one). */
export function text({ min = 0, max, pattern }: { min?: number; max?: number; pattern?: { regex: RegExp; message: string } } = {}): Check<string> {
  return (value, path, issues) => {
    if (typeof value !== 'string') return refuse(issues, path, `expected a string, got ${kindOf(value)}`);
    if (value.length < min) return refuse(issues, path, `must have at least ${min} character${min === 1 ? '' : 's'}`);
    if (max !== undefined && value.length > max) return refuse(issues, path, `must have at most ${max} characters`);
    if (pattern && !pattern.regex.test(value)) return refuse(issues, path, pattern.message);
    return value;
  };
}

export function oneOf<const T extends string>(values: readonly T[]): Check<T> {
  return (value, path, issues) => ((values as readonly unknown[]).includes(value) ? (value as T) : refuse(issues, path, `expected one of ${values.join(', ')}`));
}

/** Absent (or undefined) passes; anything else is checked. */
export function optional<T>(check: Check<T>): Check<T | undefined> {
  return (value, path, issues) => (value === undefined ? undefined : check(value, path, issues));
}

/** Must be absent: a field a state in this phase cannot have. */
export const absent: Check<undefined> = (value, path, issues) => (value === undefined ? undefined : refuse(issues, path, `expected nothing, got ${kindOf(value)}`));

export function arrayOf<T>(item: Check<T>, { min = 0, max }: { min?: number; max: number }): Check<T[]> {
  return (value, path, issues) => {
    if (!Array.isArray(value)) return refuse(issues, path, `expected an array, got ${kindOf(value)}`);
    if (value.length < min) return refuse(issues, path, `must have at least ${min} item${min === 1 ? '' : 's'}`);
    if (value.length > max) return refuse(issues, path, `must have at most ${max} items`);
    return value.map((element, index) => item(element, [...path, index], issues));
  };
}

type Shape = Record<string, Check<unknown>>;
export type Checked<S extends Shape> = { [K in keyof S]: ReturnType<S[K]> };

/** An object with these keys; others are dropped, so what is read is only what the shape names. */
export function object<S extends Shape>(shape: S): Check<Checked<S>> {
  return (value, path, issues) => {
    if (!isRecord(value)) return refuse(issues, path, `expected an object, got ${kindOf(value)}`);
    const read: Record<string, unknown> = {};
    for (const [key, check] of Object.entries(shape)) {
      const field = check(value[key], [...path, key], issues);
      if (field !== undefined) read[key] = field;
    }
    return read as Checked<S>;
  };
}

/**
 * An absolute http(s) URL, read as the API's zod schemas read one: trimmed, with the tabs and
 * line breaks the URL parser would drop removed, `http://` or `https://` spelt out, and parseable.
 */
export function httpUrl({ max }: { max?: number } = {}): Check<string> {
  return (value, path, issues) => {
    if (typeof value !== 'string') return refuse(issues, path, `expected a string, got ${kindOf(value)}`);
    const trimmed = value.trim();
    if (!/^https?:\/\//i.test(trimmed) || !isHttpUrl(trimmed)) return refuse(issues, path, 'expected an http or https URL');
    const url = trimmed.replace(/[\t\n\r]/g, '');
    if (max !== undefined && url.length > max) return refuse(issues, path, `must have at most ${max} characters`);
    return url;
  };
}

function isHttpUrl(text: string): boolean {
  try {
    return /^https?:$/.test(new URL(text).protocol);
  } catch {
    return false;
  }
}

/** An ISO-8601 instant in UTC as `toISOString` writes it (seconds required, any fraction, `Z`), on a real calendar day. */
export const instant: Check<string> = (value, path, issues) => {
  if (typeof value !== 'string') return refuse(issues, path, `expected a string, got ${kindOf(value)}`);
  const parts = /^(\d{4})-(\d{2})-(\d{2})T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?Z$/.exec(value);
  if (!parts || !isCalendarDay(Number(parts[1]), Number(parts[2]), Number(parts[3]))) return refuse(issues, path, 'expected an ISO-8601 UTC time');
  return value;
};

function isCalendarDay(year: number, month: number, day: number): boolean {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return days !== undefined && day >= 1 && day <= days;
}

/** `field.sub: problem; …`, each path under `root` when given; `(input)` for the value itself. */
export function describeIssues(issues: readonly Issue[], root?: string): string {
  return issues.map((issue) => `${[...(root ? [root] : []), ...issue.path].join('.') || '(input)'}: ${issue.message}`).join('; ');
}

/** Runs `check` over `value`: what it read, or every problem in one line. */
export function runCheck<T>(check: Check<T>, value: unknown, root?: string): { ok: true; value: T } | { ok: false; error: string } {
  const issues: Issue[] = [];
  const read = check(value, [], issues);
  return issues.length === 0 ? { ok: true, value: read } : { ok: false, error: describeIssues(issues, root) };
}
