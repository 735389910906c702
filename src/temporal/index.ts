export { obtainTemporalCli, TEMPORAL_CLI_VERSION, type ObtainCliOptions } from './cli-binary';
export { startDevServer, ensureSearchAttributes, type DevServer, type DevServerOptions } from './dev-server';
export { freePort } from './free-port';
export { connectWithRetry } from './connect';
export { installTemporalRuntime, PinoTemporalLogger, type TemporalRuntimeOptions } from './runtime';
export { obtainSeaweedFs, SEAWEEDFS_MODULE, SEAWEEDFS_VERSION, type ObtainSeaweedFsOptions } from './seaweedfs-binary';
export { startSeaweedFs, type SeaweedFs, type SeaweedFsOptions } from './seaweedfs-server';
