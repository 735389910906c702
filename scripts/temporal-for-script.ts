import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { quietTemporalRuntime } from '../test/support/quiet-runtime';
import { freePort, obtainTemporalCli, startDevServer, type DevServer } from '../src/local-servers';

/** The project's root, whether this runs from scripts/ or compiled under dist/scripts/. */
export function findProjectDir(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no project root above ${from}`);
  }
}

/**
 * A headless, in-memory Temporal dev server of the script's own on a free loopback port, with the
 * SDK's chatter kept to errors. Stopped by the caller.
 */
export async function startScriptTemporal(say: (message: string) => void): Promise<DevServer> {
  quietTemporalRuntime();
  const cliPath = await obtainTemporalCli({ projectDir: findProjectDir(), explicitPath: process.env.TEMPORAL_CLI_PATH, log: say });
  return startDevServer({ cliPath, port: await freePort(), uiPort: null, namespace: 'default', log: () => {} });
}
