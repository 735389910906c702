import { accessSync, constants } from 'node:fs';
import { isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
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
  settingNames: { serverCaCert: string; clientCert: string; clientKey: string; tls: string; apiKey: string };
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
    apiKey: vars.TEMPORAL_API_KEY !== undefined || !profile.apiKey ? 'TEMPORAL_API_KEY' : inProfile('api_key'),
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
 * A connection failure, told in terms of the setting to fix where the cause is one: the frontend's
 * certificate not signed by the configured CA, or not for the host name; a frontend that wants a
 * client certificate, or refuses the one given; TLS spoken to a plain-text frontend or the other way
 * round. The SDK's own errors rarely say which ("Failed to connect before the deadline"), so the
 * cause is found by a TLS handshake of our own with the same settings. Otherwise the error as it was.
 */
export async function explainConnectionError(err: unknown, config: TemporalConnectionConfig): Promise<Error> {
  const names = config.settingNames;
  const at = `Temporal at ${config.address}`;
  // The client wraps the call's own error ("Failed to connect to Temporal server", cause: 16 UNAUTHENTICATED …).
  const inner = err instanceof Error && err.cause instanceof Error ? err.cause : undefined;
  const original = err instanceof Error ? (inner ? new Error(`${err.message}: ${inner.message}`) : err) : new Error(String(err));
  const code = (inner as { code?: unknown } | undefined)?.code;
  if (code === UNAUTHENTICATED || code === PERMISSION_DENIED || /\b(Unauthenticated|PermissionDenied)\b/.test(original.message)) {
    return new TemporalConnectionError(
      config.connection.apiKey !== undefined
        ? `${at} refused the API key (${names.apiKey}): ${original.message}`
        : `${at} requires credentials (an API key in TEMPORAL_API_KEY, or a client certificate): ${original.message}`,
      names.apiKey,
    );
  }
  const cause = await probeTls(config).catch(() => undefined);
  if (!cause) return original;
  const said = ` (${cause.code}: ${original.message.split('\n')[0]})`;
  switch (cause.kind) {
    case 'untrusted':
      return new TemporalConnectionError(`${at}: TLS handshake failed: its certificate is not signed by a CA wavflow trusts (${names.serverCaCert})${said}`, names.serverCaCert);
    case 'wrong-name':
      return new TemporalConnectionError(`${at}: TLS handshake failed: its certificate is not for this host name (set TEMPORAL_TLS_SERVER_NAME)${said}`, 'TEMPORAL_TLS_SERVER_NAME');
    case 'certificate-required':
      return new TemporalConnectionError(`${at} requires a client certificate (mTLS): set ${names.clientCert} and ${names.clientKey}${said}`, names.clientCert);
    case 'certificate-refused':
      return new TemporalConnectionError(`${at} refused wavflow's client certificate (${names.clientCert}): it is not signed by a CA the frontend trusts${said}`, names.clientCert);
    case 'plain-text':
      return new TemporalConnectionError(`${at} does not speak TLS, but wavflow connects with TLS (${names.tls}, or an API key)${said}`, names.tls);
    case 'tls-only':
      return new TemporalConnectionError(`${at} speaks TLS only: set TEMPORAL_TLS=true, or ${names.serverCaCert} for a private CA${said}`, names.tls);
  }
}

const PERMISSION_DENIED = 7;
const UNAUTHENTICATED = 16;

interface TlsCause {
  kind: 'untrusted' | 'wrong-name' | 'certificate-required' | 'certificate-refused' | 'plain-text' | 'tls-only';
  code: string;
}

/** A TLS handshake with the connection's own settings, reporting what went wrong (undefined: nothing TLS did). */
function probeTls(config: TemporalConnectionConfig): Promise<TlsCause | undefined> {
  const at = config.address.lastIndexOf(':');
  const host = config.address.slice(0, at).replace(/^\[|\]$/g, '');
  const port = Number(config.address.slice(at + 1));
  const settings = typeof config.connection.tls === 'object' && config.connection.tls ? config.connection.tls : {};
  const servername = settings.serverNameOverride ?? (isIP(host) ? undefined : host);
  return new Promise((resolve) => {
    const socket = tlsConnect({
      host,
      port,
      ALPNProtocols: ['h2'],
      ...(servername ? { servername } : {}),
      ...(settings.serverRootCACertificate ? { ca: Buffer.from(settings.serverRootCACertificate) } : {}),
      ...(settings.clientCertPair ? { cert: Buffer.from(settings.clientCertPair.crt), key: Buffer.from(settings.clientCertPair.key) } : {}),
      // Without TLS configured: only whether the frontend speaks TLS at all.
      rejectUnauthorized: config.tls,
    });
    const done = (cause: TlsCause | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(cause);
    };
    const timer = setTimeout(() => done(undefined), 5_000);
    socket.once('secureConnect', () => {
      if (!config.tls) return done({ kind: 'tls-only', code: 'TLS handshake succeeded' });
      // A TLS 1.3 server judges the client certificate after the handshake: its first bytes tell.
      socket.once('data', () => done(undefined));
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? error.message;
      if (!config.tls) return done(undefined);
      if (/CERTIFICATE_REQUIRED/.test(code)) return done({ kind: 'certificate-required', code });
      if (/ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|DECRYPT_ERROR|ACCESS_DENIED)/.test(code)) return done({ kind: 'certificate-refused', code });
      if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return done({ kind: 'wrong-name', code });
      if (/UNABLE_TO_VERIFY|SELF_SIGNED|UNABLE_TO_GET_ISSUER|CERT_UNTRUSTED|CERT_SIGNATURE_FAILURE/.test(code)) return done({ kind: 'untrusted', code });
      if (/WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|RECORD_LAYER_FAILURE/.test(code) || /wrong version number/.test(error.message)) {
        return done({ kind: 'plain-text', code });
      }
      done(undefined);
    });
  });
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
