import { ApplicationFailure } from '@temporalio/common';

/**
 * Every failure a conversion can end with, stated once: whether a retry can help, where it comes
 * from and what a user should do. Everything else is derived from this table: the
 * ApplicationFailures activities throw (retried or not), the provider's codes and states as the
 * workflow and the activities read them, which failed polls end the wait, and the README's table
 * of failures (`node dist/cli.js failure-table`; a unit test compares them).
 *
 * Workflow code imports this module: it must stay pure and deterministic (see eslint.config.mjs).
 */

export type ProviderVariant = 'sunoapi' | 'kie';

/** Which step of a conversion a failure belongs to. */
export type FailureStep =
  /** The workflow's own input. */
  | 'input'
  /** The provider reported that the conversion itself failed (a callback or a record-info state). */
  | 'conversion'
  /** The provider refused a request: submit or record-info. */
  | 'request'
  /** No answer came in time. */
  | 'deadline'
  /** Fetching the finished file. */
  | 'download';

export interface FailureRule {
  step: FailureStep;
  /**
   * Whether Temporal retries the activity that fails with it (the conversion goes on). A type that
   * is not retryable fails the activity at once, and the conversion with it.
   */
  retryable: boolean;
  /**
   * The provider refuses the account itself (its key, its credits), not one request: every later
   * call would be refused too, so a record-info poll that meets it ends the wait.
   */
  account?: true;
  /**
   * Codes that mean it when the provider answers submit or record-info. The body's `code` decides,
   * else the HTTP status; 0 is no answer at all (network error, timeout). `otherwise` takes every
   * code no type lists: `4xx` the unlisted 4xx codes, `any` all the rest.
   */
  answers?: { codes: readonly number[]; only?: { readonly [V in ProviderVariant]?: readonly number[] }; otherwise?: '4xx' | 'any' };
  /** Codes of a callback that report it (`otherwise`: every non-200 code no type lists). */
  callbacks?: { codes: readonly number[]; otherwise?: true };
  /** record-info states that report it (`otherwise`: any other state that contains FAILED). */
  states?: { names: readonly string[]; otherwise?: true };
  /** File host statuses that mean it. */
  fileHost?: readonly number[];
  /** Where else it comes from, in the README's words. */
  when?: string;
  /** What a user should do about it. */
  action: string;
}

/**
 * One reading of code 429. Providers disagree on it only in their answers to our requests:
 * sunoapi.org, api.box and their mirrors document it as "insufficient credits", kie.ai as a rate
 * limit of that request (PROVIDER_VARIANT says which applies). A callback is never an answer to a
 * request, so it cannot be a rate limit of one: the only providers that document 429 in a callback
 * (api.box) mean insufficient credits, and kie.ai's callbacks carry 200, 400, 500 or 501.
 */
const failureRules = {
  InvalidConversionInput: {
    step: 'input',
    retryable: false,
    when: 'workflow input out of bounds or of the wrong shape (poll interval under 5 s, deadline over 7 days, no source id, …), or state carried into a start; nothing is sent to the provider, and the message names the field',
    action: 'Fix the named field. Only a conversion\'s own continue-as-new may carry state.',
  },

  SourceRejected: {
    step: 'conversion',
    retryable: false,
    callbacks: { codes: [400] },
    action: 'The provider refused the source (a parameter error or an unsupported format): check `taskId`/`audioId`.',
  },
  SourceDownloadFailed: {
    step: 'conversion',
    retryable: false,
    callbacks: { codes: [451] },
    action: 'The provider could not fetch the source audio: check that the source track still exists, then convert again.',
  },
  ProviderConversionError: {
    step: 'conversion',
    retryable: false,
    callbacks: { codes: [500, 501], otherwise: true },
    action: 'The provider\'s conversion failed; its `msg` is the message. Convert again later.',
  },
  CreateTaskFailed: {
    step: 'conversion',
    retryable: false,
    states: { names: ['CREATE_TASK_FAILED'] },
    action: 'The provider could not create the task; the message is its `errorMessage`. Convert again.',
  },
  GenerateWavFailed: {
    step: 'conversion',
    retryable: false,
    states: { names: ['GENERATE_WAV_FAILED', 'GENERATE_AUDIO_FAILED'], otherwise: true },
    action: 'The provider failed to make the WAV; the message is its `errorMessage`. Convert again.',
  },
  CallbackException: {
    step: 'conversion',
    retryable: false,
    states: { names: ['CALLBACK_EXCEPTION'] },
    when: 'only without a URL (with one, the file is downloaded)',
    action: 'The provider failed both to convert and to call back: convert again.',
  },
  ConversionTimedOut: {
    step: 'deadline',
    retryable: false,
    when: 'no terminal answer by the deadline (default 1 h), after one last poll',
    action: 'Look at the provider task (`wavTaskId`); convert again, or with a longer `deadlineSeconds`.',
  },

  InvalidRequest: {
    step: 'request',
    retryable: false,
    answers: { codes: [400, 413, 422], otherwise: '4xx' },
    action: 'The provider refused the request as invalid: check the source ids.',
  },
  ProviderUnauthorized: {
    step: 'request',
    retryable: false,
    account: true,
    answers: { codes: [401, 403] },
    callbacks: { codes: [401] },
    action: 'Set a valid `PROVIDER_API_KEY` (and `PROVIDER_BASE_URL`), then convert again.',
  },
  InsufficientCredits: {
    step: 'request',
    retryable: false,
    account: true,
    answers: { codes: [402], only: { sunoapi: [429] } },
    callbacks: { codes: [402, 429] },
    action: 'Top up the provider account, then convert again.',
  },
  ProviderNotFound: {
    step: 'request',
    retryable: false,
    answers: { codes: [404] },
    action: 'Check `PROVIDER_BASE_URL`; on record-info, the task id the provider gave.',
  },
  ProviderFeatureDisabled: {
    step: 'request',
    retryable: false,
    answers: { codes: [505] },
    action: 'The provider has WAV conversion turned off: ask the provider to enable it.',
  },
  ProviderRateLimited: {
    step: 'request',
    retryable: true,
    answers: { codes: [405, 430], only: { kie: [429] } },
    action: 'Nothing: it is retried. If it persists, lower `PROVIDER_RATE_LIMIT_PER_SECOND`.',
  },
  ProviderUnavailable: {
    step: 'request',
    retryable: true,
    answers: { codes: [0, 408, 455, 500, 501], otherwise: 'any' },
    when: 'a provider call that timed out',
    action: 'Nothing: it is retried. If it persists, check the provider\'s status and `PROVIDER_BASE_URL`.',
  },

  WavUrlExpired: {
    step: 'download',
    retryable: false,
    fileHost: [403, 404, 410],
    when: 'after record-info was asked for a fresh URL, at most 3 times',
    action: 'Convert again: the provider makes a new file URL.',
  },
  NotAWavFile: {
    step: 'download',
    retryable: false,
    when: 'the body is not a RIFF/WAVE file with fmt and data chunks (nothing of it is kept)',
    action: 'The provider served something other than a WAV file: report it to the provider.',
  },
  TruncatedDownload: {
    step: 'download',
    retryable: true,
    when: 'fewer bytes than announced (or more), or a body that ends inside its WAV header',
    action: 'Nothing: it is retried.',
  },
  DownloadFailed: {
    step: 'download',
    retryable: true,
    when: 'a cut connection, any other file host status (5xx, 416), a stall past `DOWNLOAD_IDLE_TIMEOUT_MS`, a store that failed to write',
    action: 'Nothing: it is retried, resuming. If it persists, check the file host and the store.',
  },
  ForbiddenDownloadAddress: {
    step: 'download',
    retryable: false,
    when: 'the URL or a redirect leads to a private, loopback, link-local or metadata address (also wrapped in IPv6), to an allowed host on another port, or is not http(s); nothing is fetched',
    action: 'If the file host is yours and internal, add its `host:port` to `DOWNLOAD_ALLOWED_HOSTS`.',
  },
  NotHttpResponse: {
    step: 'download',
    retryable: false,
    when: 'the file URL\'s server does not speak HTTP (a gRPC port, an SSH banner, garbage)',
    action: 'The URL points at something that is not a web server: report it to the provider.',
  },
  DownloadTooLarge: {
    step: 'download',
    retryable: false,
    when: 'the file is larger than `DOWNLOAD_MAX_BYTES` (the partial file is removed, the upload aborted)',
    action: 'Raise `DOWNLOAD_MAX_BYTES` if the file is expected, then convert again.',
  },
  InsufficientStorage: {
    step: 'download',
    retryable: true,
    when: 'free disk below the file\'s size plus `DOWNLOAD_MIN_FREE_BYTES` (file store); nothing is lost',
    action: 'Free disk space: the download resumes by itself.',
  },
} as const satisfies Record<string, FailureRule>;

export type FailureType = keyof typeof failureRules;

/** Every failure type by name: `FailureType.WavUrlExpired` is `'WavUrlExpired'`. */
export const FailureType = Object.freeze(Object.fromEntries(Object.keys(failureRules).map((type) => [type, type]))) as { readonly [T in FailureType]: T };

/** The table, in the README's order. */
export const FAILURES: ReadonlyArray<readonly [FailureType, FailureRule]> = Object.entries(failureRules) as Array<[FailureType, FailureRule]>;

const ruleOf = (type: string): FailureRule | undefined => (Object.hasOwn(failureRules, type) ? (failureRules as Record<string, FailureRule>)[type] : undefined);

export function isFailureType(type: string): type is FailureType {
  return ruleOf(type) !== undefined;
}

/** Whether Temporal retries an activity that failed with `type`. */
export function isRetryable(type: FailureType): boolean {
  return failureRules[type].retryable;
}

/** A failed poll ends the wait when waiting cannot help: the provider refuses the account. Other failed polls are missed polls. */
export function endsWaiting(type: string | undefined): boolean {
  return type !== undefined && ruleOf(type)?.account === true;
}

/**
 * An activity's typed failure, retried or not as its type says. `nextRetryDelayMs` replaces the
 * retry policy's delay for a retryable one; `details` go to the workflow with it.
 */
export function activityFailure(type: FailureType, message: string, { details, nextRetryDelayMs }: { details?: unknown[]; nextRetryDelayMs?: number } = {}): ApplicationFailure {
  const retryable = isRetryable(type);
  // A failure that is not retried is given no delay: it would never be used.
  return ApplicationFailure.create({ type, message, nonRetryable: !retryable, details, nextRetryDelay: retryable ? nextRetryDelayMs : undefined });
}

/** The failure type of a provider's answer to submit or record-info with `code` (anything but 200 and an adopting 409). */
export function answerFailure(code: number, variant: ProviderVariant): FailureType {
  const listed = FAILURES.find(([, { answers }]) => answers?.codes.includes(code) || answers?.only?.[variant]?.includes(code));
  if (listed) return listed[0];
  const otherwise = Math.floor(code / 100) === 4 ? '4xx' : 'any';
  return FAILURES.find(([, { answers }]) => answers?.otherwise === otherwise)![0];
}

/** The failure type a callback with `code` (not 200) reports. */
export function callbackFailure(code: number): FailureType {
  const [type] = FAILURES.find(([, { callbacks }]) => callbacks?.codes.includes(code)) ?? FAILURES.find(([, { callbacks }]) => callbacks?.otherwise)!;
  return type;
}

/** The failure type a record-info state reports, or undefined when the state is no failure. */
export function stateFailure(state: string): FailureType | undefined {
  const listed = FAILURES.find(([, { states }]) => states?.names.includes(state));
  if (listed) return listed[0];
  return state.includes('FAILED') ? FAILURES.find(([, { states }]) => states?.otherwise)![0] : undefined;
}

/** The failure a file host's `status` means when the table lists it: the URL is no longer good (record-info can hand out a fresh one). */
export function fileHostFailure(status: number): FailureType | undefined {
  return FAILURES.find(([, { fileHost }]) => fileHost?.includes(status))?.[0];
}
