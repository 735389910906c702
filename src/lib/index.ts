/** Small general helpers that know nothing of wavflow: logging and bounded concurrency. */
export * from './logger';
export * from './concurrency';
