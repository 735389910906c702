import { callbackFailure, stateFailure, type FailureType } from '../failures';
import type { ProviderCallback, ProviderRecord } from '../provider/types';

/**
 * What one provider answer (a callback or a record-info poll) means for the conversion. Which
 * failure a code or a state reports is the failure table's (src/failures/failures.ts); this says when an
 * answer is a success, a failure or neither.
 */
export type Answer =
  | { kind: 'pending'; reason?: string }
  | { kind: 'success'; url: string }
  | { kind: 'failure'; type: FailureType; message: string };

export function interpretCallback(callback: ProviderCallback): Answer {
  if (callback.code === 200) {
    return callback.audioWavUrl ? { kind: 'success', url: callback.audioWavUrl } : { kind: 'pending', reason: 'no-url' };
  }
  return { kind: 'failure', type: callbackFailure(callback.code), message: callback.msg || `callback code ${callback.code}` };
}

export function interpretRecord(record: ProviderRecord): Answer {
  // The conversion worked when there is a URL: on SUCCESS, and on CALLBACK_EXCEPTION, where only
  // the provider's callback failed. SUCCESS may come before its URL does: poll again.
  if ((record.state === 'SUCCESS' || record.state === 'CALLBACK_EXCEPTION') && record.audioWavUrl) return { kind: 'success', url: record.audioWavUrl };
  const type = stateFailure(record.state);
  // PENDING, SUCCESS without a URL, and anything unknown: keep waiting, bounded by the deadline.
  if (type === undefined) return { kind: 'pending', ...(record.state === 'SUCCESS' ? { reason: 'no-url' } : {}) };
  return { kind: 'failure', type, message: record.errorMessage ?? `record-info state ${record.state}` };
}
