import type { ProviderVariant } from '../provider';
import type { SandboxTask } from './task-store';

/**
 * The provider's payloads (submit, record-info, callback), spelled the way each documented variant
 * spells them:
 * sunoapi.org callbacks use `audio_wav_url` and "YYYY-MM-DD HH:MM:SS" dates; kie.ai uses
 * `audioWavUrl`, ISO dates and `musicIndex`.
 */
export function callbackBody(task: SandboxTask, variant: ProviderVariant, fileUrl: string | undefined) {
  // A body that fails validation: the task id is missing.
  if (task.scenario.malformedCallback) return { code: 200, msg: 'success', data: { audio_wav_url: fileUrl ?? null } };
  const failure = task.scenario.failure;
  const url = failure ? null : (fileUrl ?? null);
  const data = variant === 'kie' ? { task_id: task.wavTaskId, audioWavUrl: url } : { task_id: task.wavTaskId, audio_wav_url: url };
  return failure
    ? { code: failure.callbackCode, msg: failure.msg ?? 'WAV format conversion failed', data }
    : { code: 200, msg: 'success', data };
}

/** `fileUrl` is given only when this answer should carry one. */
export function recordInfoData(task: SandboxTask, variant: ProviderVariant, fileUrl: string | undefined) {
  const date = (d: Date | undefined) => (d ? (variant === 'kie' ? d.toISOString() : d.toISOString().slice(0, 19).replace('T', ' ')) : null);
  const state = task.state === 'PENDING' ? (task.scenario.pendingState ?? 'PENDING') : task.state;
  return {
    taskId: task.wavTaskId,
    musicId: task.audioId ?? task.sourceTaskId ?? '',
    callbackUrl: task.callBackUrl,
    ...(variant === 'kie' ? { musicIndex: 0 } : {}),
    completeTime: date(task.completeTime),
    response: fileUrl ? { audioWavUrl: fileUrl } : null,
    successFlag: state,
    createTime: date(task.createTime),
    errorCode: task.errorCode ?? (variant === 'kie' ? 0 : null),
    errorMessage: task.errorMessage ?? null,
  };
}

export const envelope = (code: number, msg: string, data: unknown = null) => ({ code, msg, data });
