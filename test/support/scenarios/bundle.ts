import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { randomUUID } from 'node:crypto';
import { bundleWorkflowCode } from '@temporalio/worker';

/** This project's node_modules, wherever this file was compiled to. */
const projectModules = join(require.resolve('@temporalio/workflow/package.json').split(`${sep}node_modules${sep}`)[0] as string, 'node_modules');

/**
 * Bundles the workflows of a checkout (this one, or a `git worktree` of a release tag, which has
 * no node_modules of its own: packages resolve from this project's) into a file the harness runs.
 */
export async function bundleWorkflows(checkoutDir: string): Promise<string> {
  const workflowsPath = join(checkoutDir, 'src/workflows');
  // The log interceptor lives in the bundle since it exists; older checkouts have none.
  const interceptor = join(workflowsPath, 'log-attributes.ts');
  const noop = () => {};
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules: existsSync(interceptor) ? [interceptor] : [],
    logger: { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop },
    webpackConfigHook: (config) => ({ ...config, resolve: { ...config.resolve, modules: [...(config.resolve?.modules ?? ['node_modules']), projectModules] } }),
  });
  const path = join(tmpdir(), `wavflow-scenario-workflows-${randomUUID().slice(0, 8)}.js`);
  await writeFile(path, code);
  return path;
}
