/** The `wavflow` command line: its program (every command, its options and exit codes) and the parts it is built from. */
export { runCli } from './program';
export * from './batch';
export * from './cluster';
export * from './setup';
export * from './download-progress';
