/**
 * wavflow's conversions, as the API, the CLI, the demo and tests use them through a Temporal
 * Client: start (one or a batch), read without a worker, watch phase by phase, list, cancel.
 */
export * from './start-conversion';
export * from './conversion-handle';
export * from './read-conversion';
export * from './watch-conversion';
export * from './list-conversions';
export * from './status-cache';
