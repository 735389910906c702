import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Sandbox } from '../../src/sandbox';
import { uniqueId } from './stack';
import { lastJson, runCli, startCli } from './wavflow-cli';

/**
 * One conversion through `wavflow server`, `wavflow worker` and `wavflow convert --wait`, the three
 * ways wavflow connects to Temporal (a lazy client, the worker's native connection, a client),
 * each configured by `connectionEnv` alone (TEMPORAL_ADDRESS, TLS, API key, profile). Answered by
 * the provider's callback, so the API's client has signalled the workflow. Returns the result.
 */
export async function convertThroughCli(sandbox: Sandbox, workDir: string, connectionEnv: Record<string, string>) {
  const env = {
    TEMPORAL_TASK_QUEUE: uniqueId('cli-conversion'),
    PROVIDER_BASE_URL: sandbox.url,
    SANDBOX_API_KEY: sandbox.apiKey,
    HOST: '127.0.0.1',
    PORT: '0',
    CALLBACK_SECRET: randomBytes(24).toString('base64url'),
    WAV_OUTPUT_DIR: join(workDir, `wav-${randomBytes(3).toString('hex')}`),
    WORKER_METRICS_PORT: '0',
    DOWNLOAD_MIN_FREE_BYTES: '0',
    POLL_INTERVAL_SECONDS: '600',
    ...connectionEnv,
  };
  const server = startCli('server', env);
  const running = [server];
  try {
    // The callback URL the worker hands out is the API's, on the port it picked.
    const { url } = (await server.waitForLog('listening')) as { url: string };
    const withApi = { ...env, PUBLIC_BASE_URL: url };
    const worker = startCli('worker', withApi);
    running.push(worker);
    await worker.waitForLog('worker running');
    const converted = await runCli(['convert', '--audio-id', uniqueId('cli-conversion'), '--wait', '--json'], withApi);
    expect({ code: converted.code, stderr: converted.stderr }).toEqual({ code: 0, stderr: '' });
    const { result } = lastJson<{ result: { sha256: string; wavTaskId: string; answeredBy: string } }>(converted.stdout);
    expect(result.answeredBy).toBe('callback');
    expect(result.sha256).toBe(sandbox.task(result.wavTaskId)?.file?.sha256);
    return result;
  } finally {
    await Promise.all(running.map((p) => p.stop()));
  }
}
