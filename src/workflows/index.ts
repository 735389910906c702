// The worker loads this module as its workflow bundle: export workflows and message definitions only.
export { convertToWav } from './convert-to-wav';
export * from './messages';
