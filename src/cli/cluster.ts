import { join, relative } from 'node:path';
import type { Config } from '../config';
import { ConfigError } from '../config';
import { splitAddress } from '../app';
import { inProject, projectDir, untilSignalled } from '../app';
import { createCertificateAuthority, isListening, startReadyCluster, type ClusterTls } from '../local-servers';

const say = (message: string) => console.log(`wavflow | ${message}`);

export interface ClusterCommandOptions {
  dir: string;
  historyNodes: number;
  tls?: boolean;
  mtls?: boolean;
}

/**
 * `wavflow cluster` (`npm run cluster`): a production-shaped Temporal on this machine, readied for
 * wavflow, until Ctrl-C, which stops every process it started. The frontend takes TEMPORAL_ADDRESS's
 * port and the UI TEMPORAL_UI_PORT, so `wavflow worker`, `server` and the other commands reach it
 * with their defaults.
 */
export async function runCluster(config: Config, options: ClusterCommandOptions): Promise<void> {
  const [host, frontendPort] = splitAddress(config.TEMPORAL_ADDRESS);
  if (!['127.0.0.1', 'localhost'].includes(host)) throw new ConfigError(`TEMPORAL_ADDRESS=${config.TEMPORAL_ADDRESS}: the cluster listens on 127.0.0.1 only`);
  for (const [name, port] of [['TEMPORAL_ADDRESS', frontendPort], ['TEMPORAL_UI_PORT', config.TEMPORAL_UI_PORT]] as const) {
    if (await isListening('127.0.0.1', port)) throw new ConfigError(`127.0.0.1:${port} is in use (a dev server from \`npm start\`?): set ${name} to a free port`);
  }
  const dir = inProject(options.dir);
  const tls = options.tls || options.mtls ? await clusterTls(join(dir, 'tls'), Boolean(options.mtls)) : undefined;
  const { cluster } = await startReadyCluster({
    projectDir,
    dir,
    frontendPort,
    uiPort: config.TEMPORAL_UI_PORT,
    historyNodes: options.historyNodes,
    namespace: config.TEMPORAL_NAMESPACE,
    ...(tls ? { tls } : {}),
    log: say,
  });
  try {
    const shown = (path: string) => relative(process.cwd(), path) || '.';
    say(`Temporal     ${cluster.address}  (namespace ${config.TEMPORAL_NAMESPACE} ready: wavflow's search attributes registered)`);
    say(`Temporal UI  ${cluster.uiUrl ?? '-'}`);
    say(`PostgreSQL   127.0.0.1:${cluster.postgres.port}  user temporal, password in ${shown(join(dir, 'postgresql.password'))}`);
    say(`processes    ${[...cluster.services.values(), ...(cluster.ui ? [cluster.ui] : [])].map((s) => `${s.name} ${s.pid}`).join(', ')}`);
    say(`logs         ${shown(cluster.logDir)}`);
    if (tls) {
      say('connect with:');
      say(`  export TEMPORAL_TLS_SERVER_CA_CERT_PATH=${tls.caCert} TEMPORAL_TLS_SERVER_NAME=${tls.serverName}`);
      if (tls.mutual) say(`  export TEMPORAL_TLS_CLIENT_CERT_PATH=${tls.mutual.client.cert} TEMPORAL_TLS_CLIENT_KEY_PATH=${tls.mutual.client.key}`);
    }
    say('then, in other terminals: node dist/cli.js sandbox, node dist/cli.js worker, node dist/cli.js server');
    say('running; press Ctrl-C to stop');
    await untilSignalled();
  } finally {
    say('stopping');
    await cluster.stop();
  }
}

/** A CA of the cluster's own, the frontend's certificate and, for mTLS, a client certificate wavflow can present. */
async function clusterTls(dir: string, mutual: boolean): Promise<ClusterTls> {
  const ca = await createCertificateAuthority(dir, 'wavflow-cluster');
  const server = await ca.issue('frontend');
  return { server, caCert: ca.cert, serverName: 'localhost', ...(mutual ? { mutual: { clientCaCert: ca.cert, client: await ca.issue('client', {}) } } : {}) };
}
