/** The wiring of wavflow's processes: dependencies built from the configuration, the worker, and `wavflow dev`. */
export * from './services';
export * from './worker';
export * from './dev';
