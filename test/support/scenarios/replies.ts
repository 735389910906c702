import type { ProviderCallback, ProviderRecord, SubmitResult } from '../../../src/provider/types';
import type { DownloadResult } from '../../../src/activities';

/**
 * What the doubles answer and what the "provider" signals, in the shapes the activities and the
 * callback receiver produce. Fixed values: recordings of a scenario differ only where the
 * workflow's behaviour differs.
 */
export const TASK_ID = 'wav-task-1';
export const OTHER_TASK_ID = 'wav-task-other';
export const WAV_URL = 'https://files.example.test/wav-task-1.wav';
export const FRESH_WAV_URL = 'https://files.example.test/wav-task-1.wav?fresh=1';

export const submitted = (taskId = TASK_ID, adopted = false): SubmitResult => ({ taskId, adopted });

/** A record-info answer: PENDING, SUCCESS, CALLBACK_EXCEPTION, a *FAILED* state... */
export const record = (state: string, audioWavUrl?: string, taskId = TASK_ID): ProviderRecord => ({
  taskId,
  state,
  ...(audioWavUrl ? { audioWavUrl } : {}),
  ...(state.includes('FAIL') ? { errorCode: 500, errorMessage: `${state} (test double)` } : {}),
});

/** A provider callback body after the receiver normalized it. */
export const callback = (code: number, audioWavUrl?: string, taskId = TASK_ID): ProviderCallback => ({
  taskId,
  code,
  msg: code === 200 ? 'success' : `callback code ${code} (test double)`,
  ...(audioWavUrl ? { audioWavUrl } : {}),
});

export const downloaded = (conversionId: string, attempt = 1): DownloadResult => ({
  path: `/data/wav/${conversionId}.wav`,
  bytes: 882_044,
  sha256: 'c4d5f59b'.padEnd(64, '0'),
  audioFormat: 1,
  sampleRate: 44_100,
  channels: 2,
  bitsPerSample: 16,
  durationSeconds: 5,
  attempt,
  resumedFrom: 0,
});
