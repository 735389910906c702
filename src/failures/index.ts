/**
 * The one table of failures: each type, whether it is retried, where it comes from and what to do,
 * and its README table. Loaded by workflow code too: pure and deterministic.
 */
export * from './failures';
export * from './failure-table';
