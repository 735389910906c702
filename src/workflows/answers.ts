import { FailureType } from '../failures';
import type { ProviderCallback, ProviderRecord } from '../provider/types';

/**
 * What one provider answer (a callback or a record-info poll) means for the conversion.
 * Pure decision tables, documented in the README's outcome table.
 */
export type Answer =
  | { kind: 'pending'; reason?: string }
  | { kind: 'success'; url: string }
  | { kind: 'failure'; type: FailureType; message: string };

export function interpretCallback(callback: ProviderCallback): Answer {
  if (callback.code === 200) {
    return callback.audioWavUrl ? { kind: 'success', url: callback.audioWavUrl } : { kind: 'pending', reason: 'no-url' };
  }
  const message = callback.msg || `callback code ${callback.code}`;
  switch (callback.code) {
    case 400:
      return { kind: 'failure', type: FailureType.SourceRejected, message };
    case 451:
      return { kind: 'failure', type: FailureType.SourceDownloadFailed, message };
    case 401:
      return { kind: 'failure', type: FailureType.ProviderUnauthorized, message };
    case 402:
    case 429:
      return { kind: 'failure', type: FailureType.InsufficientCredits, message };
    default:
      return { kind: 'failure', type: FailureType.ProviderConversionError, message };
  }
}

export function interpretRecord(record: ProviderRecord): Answer {
  const message = record.errorMessage ?? `record-info state ${record.state}`;
  switch (record.state) {
    case 'SUCCESS':
      // Contract 7.4: SUCCESS may come before the URL does; poll again.
      return record.audioWavUrl ? { kind: 'success', url: record.audioWavUrl } : { kind: 'pending', reason: 'no-url' };
    case 'CALLBACK_EXCEPTION':
      // The conversion worked, only the provider's callback failed: the URL, when present, is good.
      return record.audioWavUrl
        ? { kind: 'success', url: record.audioWavUrl }
        : { kind: 'failure', type: FailureType.CallbackException, message };
    case 'CREATE_TASK_FAILED':
      return { kind: 'failure', type: FailureType.CreateTaskFailed, message };
    default:
      if (record.state.includes('FAILED')) return { kind: 'failure', type: FailureType.GenerateWavFailed, message };
      // PENDING and anything unknown: keep waiting, bounded by the deadline.
      return { kind: 'pending' };
  }
}
