import { z } from 'zod';
import { parseStoreUrl } from '../download/store-url';
import { resolveTemporalConnection, TemporalConfigError, type TemporalConnectionConfig } from '../temporal/connection';
import { secondsWithin } from '../conversions/input-schema';
import { DEADLINE_MS, POLL_INTERVAL_MS } from '../workflows/input';
import { PROVIDER_BACKOFF } from '../workflows/messages';

/**
 * Every environment variable wavflow reads, validated once at start. The README's configuration
 * table is checked against this schema by a test, so the two cannot drift.
 */
const port = z.coerce.number().int().min(0).max(65_535);
const positiveInt = z.coerce.number().int().positive();
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/**
 * The provider sends a callback at most 4 times (then retries after 1, 5 and 15 min), sometimes
 * in duplicate copies: 10 at once covers three copies arriving together, each retried.
 */
export const CALLBACK_LIMIT_DEFAULTS = { burst: 10, refillSeconds: 60 } as const;

/** `files.internal:8443`, `127.0.0.1:8090`, `[::1]:8090` or a bare host: nothing more (no scheme, user or path). */
function isHostAndPort(entry: string): boolean {
  if (!URL.canParse(`http://${entry}`)) return false;
  const url = new URL(`http://${entry}`);
  return url.username === '' && url.password === '' && url.pathname === '/' && !url.search && !url.hash && entry.toLowerCase().replace(/:80$/, '') === url.host;
}

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development').describe('`production` makes CALLBACK_SECRET and API_TOKEN required.'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level.'),

  // Temporal's own connection variables, read the way every Temporal tool reads them (src/temporal/connection.ts).
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233').describe('Temporal frontend (host:port); overrides the profile\'s `address`. `npm start` starts a dev server here unless one is already listening; `npm run cluster` its frontend.'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default').describe('Temporal namespace; overrides the profile\'s `namespace`.'),
  TEMPORAL_API_KEY: z.string().min(1).optional().describe('API key (Temporal Cloud), sent as `authorization: Bearer <key>`; turns TLS on.'),
  TEMPORAL_TLS: bool.optional().describe('`true` connects with TLS (system CAs unless a CA is set), `false` without, even with an API key. Default: TLS when any TEMPORAL_TLS_* or an API key is set.'),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: z.string().min(1).optional().describe('PEM file of the CA that signed the frontend\'s certificate (or `TEMPORAL_TLS_SERVER_CA_CERT_DATA`: the PEM itself).'),
  TEMPORAL_TLS_SERVER_CA_CERT_DATA: z.string().min(1).optional().describe('The CA certificate as PEM text, instead of a file.'),
  TEMPORAL_TLS_CLIENT_CERT_PATH: z.string().min(1).optional().describe('mTLS: PEM file of wavflow\'s client certificate (or `TEMPORAL_TLS_CLIENT_CERT_DATA`).'),
  TEMPORAL_TLS_CLIENT_CERT_DATA: z.string().min(1).optional().describe('mTLS: the client certificate as PEM text.'),
  TEMPORAL_TLS_CLIENT_KEY_PATH: z.string().min(1).optional().describe('mTLS: PEM file of the client certificate\'s private key (or `TEMPORAL_TLS_CLIENT_KEY_DATA`).'),
  TEMPORAL_TLS_CLIENT_KEY_DATA: z.string().min(1).optional().describe('mTLS: the private key as PEM text.'),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional().describe('Host name to check the frontend\'s certificate against, when it differs from the address\'s.'),
  TEMPORAL_PROFILE: z.string().min(1).optional().describe('Profile of `temporal.toml` to use (default `default`); the variables above override its fields. `TEMPORAL_GRPC_META_<NAME>` adds a gRPC header.'),
  TEMPORAL_CONFIG_FILE: z.string().min(1).optional().describe('The `temporal.toml` to read. Default `~/.config/temporalio/temporal.toml` (when it exists). `npm start` reads none.'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('wavflow').describe('Task queue of the worker and of every conversion.'),
  TEMPORAL_UI_PORT: port.default(8233).describe('Port of the Temporal Web UI that `npm start` (dev server) or `npm run cluster` starts.'),
  TEMPORAL_UI_URL: z.url().optional().describe('Base URL of the Temporal UI printed in links. Default `http://127.0.0.1:<TEMPORAL_UI_PORT>`.'),
  TEMPORAL_DB_FILE: z.string().min(1).default('.data/temporal.db').describe('SQLite file of the dev server started by `npm start`.'),
  TEMPORAL_CLI_PATH: z.string().optional().describe('Use this Temporal CLI binary instead of finding or building one.'),

  HOST: z.string().min(1).default('127.0.0.1').describe('Interface the HTTP server listens on.'),
  PORT: port.default(3000).describe('Port of the HTTP server (callback receiver and conversions API).'),
  PUBLIC_BASE_URL: z.url().optional().describe('Base URL the provider uses to reach the callback receiver. Default `http://<HOST>:<PORT>`.'),
  API_TOKEN: z.string().min(16).optional().describe('Bearer token required on `/v1`. Required in production; without it (development) the API is open on HOST.'),
  CALLBACK_SECRET: z.string().min(16).optional().describe('Key of the per-conversion callback URL signature. Required in production; in development one is generated once into `.data/callback-secret`.'),

  PROVIDER_BASE_URL: z.url().optional().describe('Provider API base URL, e.g. `https://api.kie.ai`. Default: the local sandbox.'),
  PROVIDER_API_KEY: z.string().min(1).optional().describe('Provider API key (Bearer). Without it `npm start` runs the sandbox provider.'),
  PROVIDER_VARIANT: z.enum(['sunoapi', 'kie']).default('sunoapi').describe('Which reading of ambiguous codes applies (429 = out of credits on `sunoapi`, rate limit on `kie`).'),
  PROVIDER_WEBHOOK_HMAC_KEY: z.string().min(1).optional().describe("The provider's webhook HMAC key (kie.ai `webhookHmacKey`); when set, callbacks must carry a valid X-Webhook-Signature."),
  WEBHOOK_REPLAY_WINDOW_SECONDS: positiveInt.default(300).describe('How far X-Webhook-Timestamp may be from now before a signed callback is refused as a replay.'),
  CALLBACK_LIMIT_BURST: positiveInt.default(CALLBACK_LIMIT_DEFAULTS.burst).describe('Callbacks one conversion may receive at once; beyond its budget the receiver answers 429 with Retry-After and signals nothing. The provider sends a callback at most 4 times; the rest leaves room for duplicate copies.'),
  CALLBACK_LIMIT_REFILL_SECONDS: z.coerce.number().positive().default(CALLBACK_LIMIT_DEFAULTS.refillSeconds).describe('After the burst, one more callback per conversion every this many seconds.'),
  PROVIDER_TIMEOUT_MS: positiveInt.default(15_000).describe('Timeout of one provider API request.'),
  PROVIDER_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(2).describe('Provider calls (submit, poll) per second across all workers: 2/s is the documented 20 per 10 s.'),
  PROVIDER_RETRY_BASE_MS: positiveInt.default(PROVIDER_BACKOFF.initialMs).describe('First delay before retrying a provider call the provider refused for now (rate limit, outage); doubles per attempt up to PROVIDER_RETRY_MAX_MS, jittered over its upper half. A call that timed out is retried on the workflow\'s fixed schedule: 2 s, doubling, at most 2 min.'),
  PROVIDER_RETRY_MAX_MS: positiveInt.default(PROVIDER_BACKOFF.maximumMs).describe('Longest delay before retrying a provider call the provider refused for now.'),
  CONFIRM_CALLBACKS: bool.default(true).describe('Confirm each callback with one record-info call: a success downloads the URL record-info gives, a failure stands only when record-info agrees.'),

  POLL_INTERVAL_SECONDS: z.coerce.number().pipe(secondsWithin(POLL_INTERVAL_MS)).default(30).describe('Default record-info poll interval while no callback has answered (5 to 3600: the provider allows 20 requests per 10 s for all conversions together).'),
  CONVERSION_DEADLINE_SECONDS: z.coerce.number().pipe(secondsWithin(DEADLINE_MS)).default(3600).describe('Default overall wait for a terminal answer (at most 7 days).'),
  WAV_STORE: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      if (value === undefined) return;
      try {
        parseStoreUrl(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    })
    .describe('Where finished WAV files are kept: `file://<dir>` (relative to the project, or `file:///abs/dir`) or `s3://<bucket>[/<prefix>]` (AWS S3, R2, MinIO, Ceph, SeaweedFS; credentials from the AWS default chain). Default `file://.data/wav`.'),
  WAV_OUTPUT_DIR: z.string().min(1).optional().describe('Deprecated: the same as `WAV_STORE=file://<dir>`; cannot be set together with WAV_STORE.'),
  WAV_URL_TTL_SECONDS: positiveInt.max(7 * 24 * 3600).default(300).describe('Lifetime of the presigned URL that `GET /v1/conversions/:id/wav` redirects to (S3 store).'),
  WAV_S3_PART_MIB: z.coerce.number().int().min(8).max(5120).default(8).describe('Part size of the S3 multipart upload; one part more than two is held in memory per download.'),
  WAV_S3_FORCE_PATH_STYLE: bool.optional().describe('Path-style S3 addressing (`<endpoint>/<bucket>/<key>`). Default: on with AWS_ENDPOINT_URL (MinIO, Ceph, SeaweedFS need it), off for AWS.'),
  AWS_ENDPOINT_URL: z.url().optional().describe('S3 endpoint of a store other than AWS (R2, MinIO, Ceph, SeaweedFS), e.g. `http://127.0.0.1:8333`.'),
  AWS_REGION: z.string().min(1).optional().describe('Region of the bucket. Default `us-east-1` with AWS_ENDPOINT_URL; otherwise the AWS SDK\'s own resolution (profile, instance metadata).'),
  DOWNLOAD_MAX_BYTES: positiveInt.default(4 * 1024 ** 3).describe('Larger WAV files end with DownloadTooLarge.'),
  DOWNLOAD_MIN_FREE_BYTES: z.coerce.number().int().min(0).default(256 * 1024 ** 2).describe('Free disk that must remain after a download; below it the download waits and retries (InsufficientStorage).'),
  DOWNLOAD_CONNECT_TIMEOUT_MS: positiveInt.default(10_000).describe('Connect timeout of the file download.'),
  DOWNLOAD_IDLE_TIMEOUT_MS: positiveInt.default(30_000).describe('Longest silence from the file host during a download.'),
  DOWNLOAD_ALLOW_PRIVATE_ADDRESSES: bool.default(false).describe('Local-development switch: let downloads reach private, loopback and link-local addresses.'),
  DOWNLOAD_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((h) => h.trim()).filter(Boolean))
    .refine((entries) => entries.every(isHostAndPort), 'each entry must be host:port (a bare host means port 80 or 443)')
    .describe('Comma-separated `host:port` pairs downloads may reach even when they resolve to internal addresses; the port must match (a bare host means 80 for http, 443 for https). The sandbox\'s host:port is added when no provider key is set.'),

  WORKER_DEPLOYMENT_NAME: z
    .string()
    .regex(/^[^.]+$/, 'no dots: Temporal writes a version as <deployment>.<build id>')
    .default('wavflow')
    .describe('Worker Deployment the worker belongs to (Worker Versioning; conversions are pinned to the build they started on).'),
  WORKER_BUILD_ID: z
    .string()
    .min(1)
    .optional()
    .describe('Build id of this worker within its deployment. Default: `<package version>+<git commit>`, recorded in `dist/build-info.json` at build time (`GIT_COMMIT` build argument in images; a hash of the code without either).'),
  WORKER_METRICS_PORT: port.default(9464).describe('Port of `wavflow worker`\'s Prometheus `/metrics` and `/healthz`; 0 picks a free one (logged). `npm start` serves the worker\'s metrics on the API\'s `/metrics` instead.'),
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1').describe('Interface the worker\'s metrics server listens on (`0.0.0.0` in containers).'),
  // 1,000, not the SDK's default (2,311 with a 4 GiB heap): `npm run bench` measured about 0.3 MiB
  // of RSS per cached conversion, so the SDK's default passes 1 GiB with 10,000 waiting; with 1,000
  // the worker stays near 500 MiB, and an evicted conversion costs one replay when its callback comes.
  WORKER_MAX_CACHED_WORKFLOWS: positiveInt.default(1000).describe('Workflows a worker keeps in memory between their tasks (sticky cache, about 0.3 MiB each); the others are replayed from history when they next have work.'),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: positiveInt.optional().describe('Workflow tasks a worker runs at once. Default: the SDK\'s (40).'),
  WORKER_MAX_CONCURRENT_ACTIVITIES: positiveInt.optional().describe('Activities a worker runs at once, per queue (downloads; provider calls). Default: the SDK\'s (100).'),
  WORKER_WORKFLOW_POLLERS: positiveInt.optional().describe('Long polls a worker keeps open for workflow tasks. Default: the SDK\'s (10).'),
  WORKER_ACTIVITY_POLLERS: positiveInt.optional().describe('Long polls a worker keeps open for activity tasks, per queue. Default: the SDK\'s (10).'),

  SANDBOX_PORT: port.default(8090).describe('Port of the sandbox provider started by `npm start` without a provider key.'),
  SANDBOX_API_KEY: z.string().min(1).default('sandbox-key').describe('Bearer key the sandbox provider accepts.'),
  SANDBOX_VARIANT: z.enum(['sunoapi', 'kie']).default('sunoapi').describe('Field names the sandbox uses (`audio_wav_url` vs `audioWavUrl`, ...).'),
  SANDBOX_CONVERSION_DELAY_MS: z.coerce.number().int().min(0).default(2000).describe('How long the sandbox takes to "convert".'),
  SANDBOX_WAV_SECONDS: z.coerce.number().positive().max(3600).default(5).describe('Length of the WAV files the sandbox serves.'),
  SANDBOX_TIME_SCALE: z.coerce.number().positive().max(1).default(1).describe('Multiplies the sandbox\'s callback retry delays (1, 5, 15 min); tests use small values.'),
  SANDBOX_DEMO: bool.default(true).describe('Whether `npm start` runs one demo conversion once everything is up.'),
});

export type Config = z.infer<typeof configSchema> & {
  /** The Temporal connection, profile and environment resolved together; TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE hold the result. */
  temporal: TemporalConnectionConfig;
};

export interface LoadOptions {
  /** False reads no temporal.toml profile: `npm start` connects to the dev server it starts. */
  temporalProfiles?: boolean;
  /** False for commands that only talk to Temporal (`setup`, `cluster`): they need none of the production secrets. */
  productionSecrets?: boolean;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: LoadOptions = {}): Config {
  // Empty values count as unset, as in most .env tooling.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  if (parsed.data.WAV_STORE && parsed.data.WAV_OUTPUT_DIR) throw new ConfigError('invalid configuration:\n  WAV_OUTPUT_DIR: deprecated; set only WAV_STORE (file://<dir>)');
  const missing = parsed.data.NODE_ENV === 'production' && options.productionSecrets !== false ? (['CALLBACK_SECRET', 'API_TOKEN'] as const).filter((name) => !parsed.data[name]) : [];
  if (missing.length) throw new ConfigError(`invalid configuration:\n${missing.map((name) => `  ${name}: required when NODE_ENV=production`).join('\n')}`);
  let temporal: TemporalConnectionConfig;
  try {
    // TEMPORAL_TLS as this schema reads it (yes/no/1/0 too), not only the `true`/`1` of envconfig.
    const tls = parsed.data.TEMPORAL_TLS === undefined ? {} : { TEMPORAL_TLS: String(parsed.data.TEMPORAL_TLS) };
    temporal = resolveTemporalConnection(
      { ...present, ...tls },
      { defaultAddress: parsed.data.TEMPORAL_ADDRESS, defaultNamespace: parsed.data.TEMPORAL_NAMESPACE, configFile: options.temporalProfiles ?? true },
    );
  } catch (err) {
    if (err instanceof TemporalConfigError) throw new ConfigError(`invalid configuration:\n  ${err.message}`);
    throw err;
  }
  return { ...parsed.data, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: temporal.namespace, temporal };
}

export const temporalUiUrl = (config: Config) => config.TEMPORAL_UI_URL ?? `http://127.0.0.1:${config.TEMPORAL_UI_PORT}`;
export const publicBaseUrl = (config: Config, boundPort = config.PORT) =>
  config.PUBLIC_BASE_URL ?? `http://${config.HOST}:${boundPort}`;

/** Where WAV files are kept: WAV_STORE, or the deprecated WAV_OUTPUT_DIR, or `.data/wav`. */
export const wavStoreSpec = (config: Config) => parseStoreUrl(config.WAV_STORE ?? `file://${config.WAV_OUTPUT_DIR ?? '.data/wav'}`);
