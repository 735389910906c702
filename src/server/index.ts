export { createApp, type AppDeps } from './app';
export { listen, type RunningServer } from './listen';
export type { CallbackLimit } from './callback-budget';
