export { startSandbox, type Sandbox, type SandboxOptions } from './sandbox';
export type { Scenario, FailedState, SubmitFault } from './scenario';
export type { SandboxTask } from './task-store';
export { CALLBACK_RETRY_DELAYS_MS, CALLBACK_TIMEOUT_MS, type DeliveryAttempt } from './callback-sender';
