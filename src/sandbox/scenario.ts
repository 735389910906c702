/** How the sandbox provider treats one conversion; set per audioId (or source taskId) by tests and demos. */
export interface Scenario {
  /** From submit to the terminal state. Default: the sandbox's conversionDelayMs. */
  conversionDelayMs?: number;
  /**
   * What the first submits get, one per request, before the submit is accepted: a provider code
   * (e.g. 430, 455), `timeout` (no answer at all: the client gives up) or `network` (the
   * connection is dropped without an answer). Nothing is created for these requests.
   */
  refuseSubmit?: SubmitFault[];
  /** End in this failed state and send this callback code instead of succeeding. */
  failure?: { state: FailedState; callbackCode: number; msg?: string };
  /** With failure state CALLBACK_EXCEPTION: the conversion itself worked, so record-info has the URL. */
  callbackExceptionWithUrl?: boolean;
  /** The state record-info reports before completion. Default PENDING (unknown states must be tolerated). */
  pendingState?: string;
  /** After success, this many record-info answers still say SUCCESS without a URL. */
  successWithoutUrlPolls?: number;
  /** The first N file URLs handed out (by callback or record-info) answer `expiredStatus` (default 410). */
  expiredUrls?: number;
  expiredStatus?: number;
  /** The first `cuts` (default 1) file requests drop the connection after this share of the file. */
  cutAfterFraction?: number;
  cuts?: number;
  /** After the first cut the file is replaced by a different one (new ETag): a resume must start over. */
  replaceFileAfterCut?: boolean;
  /** HTTP statuses answered to the first file requests, one per request (e.g. [503, 500]), before the file is served. */
  fileErrors?: number[];
  /** The first N file requests get no answer at all, not even headers: the client's idle timeout must end them. */
  stallBeforeHeaders?: number;
  /** The first `stalls` (default 1) file requests go silent, connection open, after this share of the body. */
  stallAfterFraction?: number;
  stalls?: number;
  /** File requests ignore Range and always send the whole file. */
  ignoreRange?: boolean;
  /** The first file request sends half the file without a Content-Length and ends cleanly. */
  truncateWithoutLength?: boolean;
  /** File requests answer an HTML page. */
  notWav?: boolean;
  /** File requests redirect here. */
  redirectTo?: string;
  /**
   * `drop` never sends the callback, so only polling can notice the outcome; `hold` keeps it until
   * the sandbox's releaseCallbacks.
   */
  callback?: 'deliver' | 'drop' | 'hold';
  /** Send a callback body that fails validation (no task id), as a broken provider would. */
  malformedCallback?: boolean;
  /** How many copies of the callback to send (the provider documents duplicates). Default 1. */
  callbackCopies?: number;
  /** Finish the task and deliver its callback before answering the submit request. */
  callbackBeforeSubmitResponse?: boolean;
  /** Length of the WAV served. Default: the sandbox's wavSeconds. */
  wavSeconds?: number;
  /** Serve the file at this rate, for downloads that must still be running when something happens. */
  throttleBytesPerSecond?: number;
}

export type SubmitFault = number | 'timeout' | 'network';

export type FailedState = 'CREATE_TASK_FAILED' | 'GENERATE_WAV_FAILED' | 'GENERATE_AUDIO_FAILED' | 'CALLBACK_EXCEPTION';
