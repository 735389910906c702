/** wavflow's configuration: one schema of environment variables, read once, and its README table. */
export * from './config';
export * from './config-table';
