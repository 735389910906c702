import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { loadClientConfigProfile, toClientOptions, type ClientConfigProfile, type ConfigDataSource } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';

/**
 * How wavflow reaches Temporal, resolved the way every Temporal tool does it (the CLI, the SDKs):
 * a `temporal.toml` profile (TEMPORAL_PROFILE, default `default`, from TEMPORAL_CONFIG_FILE or
 * ~/.config/temporalio/temporal.toml), overridden by TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 * TEMPORAL_API_KEY, TEMPORAL_TLS and TEMPORAL_TLS_*. The client, the worker's connection and every
 * CLI command use this one result.
 */
export interface TemporalConnectionConfig {
  address: string;
  namespace: string;
  /** What Connection.connect and NativeConnection.connect take (the same fields for both). */
  connection: Pick<NativeConnectionOptions, 'address' | 'tls' | 'apiKey' | 'metadata'> & { address: string };
  /** Whether the connection uses TLS (explicitly, or because an API key implies it). */
  tls: boolean;
  /** Where each TLS setting came from, to name it in an error. */
  settingNames: { serverCaCert: string; clientCert: string; clientKey: string; tls: string };
}

export class TemporalConfigError extends Error {
  override readonly name = 'TemporalConfigError';
}

export interface ResolveOptions {
  /** Used when neither the environment nor the profile sets one. */
  defaultAddress: string;
  defaultNamespace: string;
  /** False reads no temporal.toml (the environment only): `npm start` talks to the dev server it starts. */
  configFile?: boolean;
}

const ENV_NAMES = {
  serverCaCert: 'TEMPORAL_TLS_SERVER_CA_CERT',
  clientCert: 'TEMPORAL_TLS_CLIENT_CERT',
  clientKey: 'TEMPORAL_TLS_CLIENT_KEY',
} as const;
const TOML_NAMES = { serverCaCert: 'tls.server_ca_cert', clientCert: 'tls.client_cert', clientKey: 'tls.client_key' } as const;

/** Resolves the connection from `env` (empty values count as unset). Throws TemporalConfigError naming the setting at fault. */
export function resolveTemporalConnection(env: Record<string, string | undefined>, options: ResolveOptions): TemporalConnectionConfig {
  const vars = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
  const useFile = options.configFile ?? true;
  const file = vars.TEMPORAL_CONFIG_FILE ?? join(vars.XDG_CONFIG_HOME ?? join(vars.HOME ?? homedir(), '.config'), 'temporalio', 'temporal.toml');
  const profileName = vars.TEMPORAL_PROFILE ?? 'default';
  const inProfile = (key: string) => `${key} of profile "${profileName}" in ${file}`;

  let profile: ClientConfigProfile;
  try {
    profile = loadClientConfigProfile({ overrideEnvVars: vars, disableFile: !useFile, configFileStrict: false });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/Profile '.*' not found/.test(message)) throw new TemporalConfigError(`TEMPORAL_PROFILE=${profileName}: no such profile in ${file}`);
    throw new TemporalConfigError(`${vars.TEMPORAL_CONFIG_FILE ? 'TEMPORAL_CONFIG_FILE' : 'temporal.toml'} (${file}): ${message}`);
  }

  const nameOf = (key: keyof typeof ENV_NAMES, source: ConfigDataSource | undefined) => {
    const kind = source && 'data' in source ? 'DATA' : 'PATH';
    if (vars[`${ENV_NAMES[key]}_${kind}`] !== undefined) return `${ENV_NAMES[key]}_${kind}`;
    return source ? inProfile(`${TOML_NAMES[key]}_${kind.toLowerCase()}`) : `${ENV_NAMES[key]}_PATH`;
  };
  const settingNames = {
    serverCaCert: nameOf('serverCaCert', profile.tls?.serverCACert),
    clientCert: nameOf('clientCert', profile.tls?.clientCert),
    clientKey: nameOf('clientKey', profile.tls?.clientKey),
    tls: vars.TEMPORAL_TLS !== undefined || !useFile ? 'TEMPORAL_TLS' : inProfile('tls.disabled'),
  };
  const files = [
    ['serverCaCert', profile.tls?.serverCACert],
    ['clientCert', profile.tls?.clientCert],
    ['clientKey', profile.tls?.clientKey],
  ] as const;
  for (const [key, source] of files) {
    if (!source || !('path' in source)) continue;
    try {
      accessSync(source.path, constants.R_OK);
    } catch (err) {
      throw new TemporalConfigError(`${settingNames[key]}: cannot read ${source.path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  if (Boolean(profile.tls?.clientCert) !== Boolean(profile.tls?.clientKey)) {
    const [has, lacks] = profile.tls?.clientCert ? [settingNames.clientCert, settingNames.clientKey] : [settingNames.clientKey, settingNames.clientCert];
    throw new TemporalConfigError(`${has} is set but ${lacks} is not: a client certificate needs its key`);
  }

  const { connectionOptions, namespace } = toClientOptions(profile);
  const address = connectionOptions.address ?? options.defaultAddress;
  const tls = connectionOptions.tls;
  return {
    address,
    namespace: namespace ?? options.defaultNamespace,
    connection: {
      address,
      ...(tls !== undefined ? { tls } : {}),
      ...(connectionOptions.apiKey !== undefined ? { apiKey: connectionOptions.apiKey } : {}),
      ...(connectionOptions.metadata !== undefined ? { metadata: connectionOptions.metadata } : {}),
    },
    tls: tls !== undefined && tls !== false && tls !== null,
    settingNames,
  };
}

/**
 * A connection failure, told in terms of the setting to fix where the cause is recognisable: a
 * server certificate the configured CA did not sign, a server that wants a client certificate,
 * TLS spoken to a plain-text server or the other way round. Otherwise the error as it was.
 */
export function explainConnectionError(err: unknown, config: TemporalConnectionConfig): Error {
  const message = err instanceof Error ? err.message : String(err);
  const names = config.settingNames;
  const at = `Temporal at ${config.address}`;
  if (/UnknownIssuer|unable to verify|self[- ]signed certificate|unable to get (local )?issuer|certificate verify failed|BadSignature|invalid peer certificate/i.test(message)) {
    return new TemporalConnectionError(
      `${at}: TLS handshake failed: its certificate is not signed by a CA wavflow trusts (${names.serverCaCert}${config.tls ? '' : ', with TLS on'}). Original error: ${message}`,
      names.serverCaCert,
    );
  }
  if (/NotValidForName|does not match|Hostname\/IP does not match|altnames/i.test(message)) {
    return new TemporalConnectionError(`${at}: TLS handshake failed: its certificate is not for this host name (set TEMPORAL_TLS_SERVER_NAME). Original error: ${message}`, 'TEMPORAL_TLS_SERVER_NAME');
  }
  if (/certificate required|CertificateRequired|alert.*(bad certificate|handshake failure)|tlsv13 alert certificate required/i.test(message)) {
    return new TemporalConnectionError(`${at} requires a client certificate (mTLS): set ${names.clientCert} and ${names.clientKey}. Original error: ${message}`, names.clientCert);
  }
  if (config.tls && /wrong version number|InvalidContentType|packet length too long|CorruptMessage|record overflow/i.test(message)) {
    return new TemporalConnectionError(`${at} does not speak TLS, but the connection uses it (${names.tls}, or an API key). Original error: ${message}`, names.tls);
  }
  return err instanceof Error ? err : new Error(message);
}

/** A connection failure whose cause is a setting, which it names: retrying does not help. */
export class TemporalConnectionError extends Error {
  override readonly name = 'TemporalConnectionError';
  constructor(
    message: string,
    readonly setting: string,
  ) {
    super(message);
  }
}
