/** Reaching a Temporal service: connection settings, connecting (with retry), the SDK runtime, and readying a namespace. */
export { connectWithRetry, openConnection, connectTemporal, connectWorker, connectClient, lazyClient, temporalClient } from './connect';
export { installTemporalRuntime, PinoTemporalLogger, type TemporalRuntimeOptions } from './runtime';
export { resolveTemporalConnection, explainConnectionError, TemporalConfigError, TemporalConnectionError, type TemporalConnectionConfig } from './connection';
export { setUpNamespace, registerSearchAttributes, type SetupReport } from './setup';
