/**
 * The provider's answers after normalization: one shape whatever variant of the wire format they
 * arrived in (sunoapi.org, api.box and kie.ai name the same fields differently: `audio_wav_url` or
 * `audioWavUrl`, `task_id` or `taskId`, `code` as a number or a string). Plain data, safe to pass
 * to workflow code.
 */
export type { ProviderVariant } from '../failures';

/** A callback body, normalized. `code` is the body's code, not the HTTP status. */
export interface ProviderCallback {
  taskId: string;
  code: number;
  msg: string;
  audioWavUrl?: string;
}

/** record-info `data`, normalized. `state` is upper-cased and may be a value we do not know. */
export interface ProviderRecord {
  taskId: string;
  state: string;
  audioWavUrl?: string;
  musicId?: string;
  musicIndex?: number;
  errorCode?: number;
  errorMessage?: string;
  /** ISO-8601; provider dates without a zone are read as UTC. */
  createTime?: string;
  completeTime?: string;
}

export interface SubmitRequest {
  taskId?: string;
  audioId?: string;
  callBackUrl: string;
}

export interface SubmitResult {
  /**
   * The provider's WAV task id, `wavTaskId` everywhere else (the new task's, or on 409 the earlier
   * WAV record's, adopted). Named as the provider names it: submitConversion returns this object,
   * so the name is recorded in histories and read by every build running during a deploy.
   */
  taskId: string;
  adopted: boolean;
}
