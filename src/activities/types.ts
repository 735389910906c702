import type { ProviderRecord, SubmitResult } from '../provider';

/**
 * What each activity takes and returns: plain data, recorded in the workflow's history. The
 * workflow imports these as types only, so workflow code never loads activity code.
 */

export interface SubmitInput {
  conversionId: string;
  taskId?: string | undefined;
  audioId?: string | undefined;
}

/** submitConversion returns the provider's answer as it is. */
export type { SubmitResult };

export interface PollInput {
  wavTaskId: string;
}

/** pollConversion returns record-info's `data`, normalized. */
export type { ProviderRecord };

export interface DownloadInput {
  conversionId: string;
  url: string;
  /** The provider's task id, for log lines (absent in histories recorded before it was added). */
  wavTaskId?: string;
  /**
   * On cancellation keep the partial file (and what resumes it) and end with a CancelledFailure
   * whose details are the last checkpoint, for the run that continues the download; the workflow
   * removes the partial file itself when the conversion is cancelled (`discardPartialWav`).
   * Absent (histories of 0.1 and 0.2): a cancellation requested by the workflow removes it here.
   */
  keepPartialOnCancel?: boolean;
  /** A checkpoint an earlier run's attempt ended with: taken as the heartbeat details when this attempt has none. */
  resume?: unknown;
}

export interface DiscardPartialInput {
  conversionId: string;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  sha256: string;
  audioFormat: number;
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  durationSeconds: number;
  /** The activity attempt that produced the file (1 = first try). */
  attempt: number;
  /** Bytes kept from earlier attempts (0 when the last attempt fetched everything). */
  resumedFrom: number;
  /**
   * Bytes earlier attempts had stored that this attempt threw away and fetched again: they had no
   * validator, or the host sent the whole file instead of the rest (it changed). 0 when it resumed,
   * or found nothing stored (absent in results recorded before it was added).
   */
  discardedBytes?: number;
}
