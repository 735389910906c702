/**
 * The servers wavflow builds and runs on this machine for `wavflow dev`, `wavflow cluster`, tests
 * and benchmarks: the Temporal CLI's dev server, a Temporal cluster (server binaries, PostgreSQL,
 * schemas, TLS material) and SeaweedFS; with the Go builds and free ports they need.
 */
export { obtainTemporalCli, TEMPORAL_CLI_VERSION, type ObtainCliOptions } from './cli-binary';
export { startDevServer, ensureSearchAttributes, DEV_SERVER_DYNAMIC_CONFIG, type DevServer, type DevServerOptions } from './dev-server';
export { freePort, freePortBetween, isListening } from './ports';
export { obtainServerBinaries, TEMPORAL_SERVER_VERSION, TEMPORAL_UI_VERSION, type ServerBinaries } from './server-binaries';
export { startCluster, type ClusterTls, type ClusterOptions, type TemporalCluster, type ServiceName } from './cluster';
export { startPostgres, type Postgres } from './postgres';
export { setUpSchemas, TEMPORAL_DATABASES, type SchemaOptions } from './schema';
export { waitUntil, type WaitOptions } from './wait-until';
export { createCertificateAuthority, type CertificateAuthority, type CertificateFiles } from './tls-material';
export { ServiceProcess } from './service-process';
export { startReadyCluster, DYNAMIC_CONFIG_FILE, type ReadyClusterOptions } from './ready-cluster';
export { obtainSeaweedFs, SEAWEEDFS_MODULE, SEAWEEDFS_VERSION, type ObtainSeaweedFsOptions } from './seaweedfs-binary';
export { startSeaweedFs, type SeaweedFs, type SeaweedFsOptions } from './seaweedfs-server';
