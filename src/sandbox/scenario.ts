/** How the sandbox provider treats one conversion; set per audioId (or source taskId) by tests and demos. */
export interface Scenario {
  /** From submit to the terminal state. Default: the sandbox's conversionDelayMs. */
  conversionDelayMs?: number;
  /** End in this failed state and send this callback code instead of succeeding. */
  failure?: { state: FailedState; callbackCode: number; msg?: string };
  /** `drop` never sends the callback, so only polling can notice the outcome. */
  callback?: 'deliver' | 'drop';
  /** How many copies of the callback to send (the provider documents duplicates). Default 1. */
  callbackCopies?: number;
  /** Finish the task and deliver its callback before answering the submit request. */
  callbackBeforeSubmitResponse?: boolean;
  /** Length of the WAV served. Default: the sandbox's wavSeconds. */
  wavSeconds?: number;
}

export type FailedState = 'CREATE_TASK_FAILED' | 'GENERATE_WAV_FAILED' | 'GENERATE_AUDIO_FAILED' | 'CALLBACK_EXCEPTION';

export const failedStates: readonly FailedState[] = ['CREATE_TASK_FAILED', 'GENERATE_WAV_FAILED', 'GENERATE_AUDIO_FAILED', 'CALLBACK_EXCEPTION'];
