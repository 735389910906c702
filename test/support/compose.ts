import { execFile } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

/**
 * The production compose file, as Debian's docker-compose (installed by test/support/debian-tools.js) resolves it: no
 * container engine runs here, so `config` is as far as compose itself goes.
 */
export const projectRoot = resolve(__dirname, '../..');

/** Every secret the compose file requires, with test values. */
export const composeSecrets = {
  POSTGRES_PASSWORD: 'pg-password',
  CALLBACK_SECRET: 'callback-secret-0123456789',
  API_TOKEN: 'api-token-0123456789',
  PUBLIC_BASE_URL: 'https://wavflow.example.com',
  PROVIDER_BASE_URL: 'https://api.kie.ai',
  PROVIDER_API_KEY: 'key',
};

export async function compose(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  if (!existsSync('/usr/bin/docker-compose')) throw new Error('docker-compose is missing: npm test installs it (as root), or `apt-get install docker-compose`');
  // Not the developer's .env, nor their shell's values: only what the caller passes counts.
  const emptyEnvFile = join(tmpdir(), `wavflow-empty-${process.pid}-${Math.random().toString(36).slice(2)}.env`);
  writeFileSync(emptyEnvFile, '');
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !(k in composeSecrets))) as Record<string, string>;
  try {
    return await new Promise((done) =>
      execFile(
        '/usr/bin/docker-compose',
        ['--project-directory', projectRoot, '--env-file', emptyEnvFile, '-f', resolve(projectRoot, 'docker-compose.yml'), ...args],
        { env: { ...clean, ...env } },
        (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      ),
    );
  } finally {
    rmSync(emptyEnvFile, { force: true });
  }
}

export interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: Array<string | { source: string; target: string }>;
  depends_on?: Record<string, { condition: string }>;
}

/** The resolved compose file, parsed. */
export async function resolvedCompose(env: Record<string, string> = composeSecrets): Promise<{ services: Record<string, ComposeService> }> {
  const resolved = await compose(['config'], env);
  if (resolved.code !== 0) throw new Error(`docker-compose config failed: ${resolved.stderr}`);
  return parse(resolved.stdout) as { services: Record<string, ComposeService> };
}

/** A service's bind mounts, container path → host path. */
export function bindMounts(service: ComposeService): Map<string, string> {
  const mounts = new Map<string, string>();
  for (const volume of service.volumes ?? []) {
    if (typeof volume === 'string') {
      const [source, target] = volume.split(':');
      if (source && target && source.startsWith('/')) mounts.set(target, source);
    } else if (volume.source.startsWith('/')) mounts.set(volume.target, volume.source);
  }
  return mounts;
}
