export { obtainTemporalCli, TEMPORAL_CLI_VERSION, type ObtainCliOptions } from './cli-binary';
export { startDevServer, ensureSearchAttributes, type DevServer, type DevServerOptions } from './dev-server';
export { freePort } from './free-port';
export { connectWithRetry } from './connect';
export { installTemporalRuntime, PinoTemporalLogger, type TemporalRuntimeOptions } from './runtime';
