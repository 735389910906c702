import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

/** This project's node_modules, wherever this file was compiled to. */
const projectModules = join(require.resolve('@temporalio/workflow/package.json').split(`${sep}node_modules${sep}`)[0] as string, 'node_modules');

/**
 * Bundles the workflows of a checkout (this one, or a `git worktree` of a release tag, which has
 * no node_modules of its own: packages resolve from this project's) into a file the harness runs.
 */
export function bundleWorkflows(checkoutDir: string): Promise<string> {
  const workflowsPath = join(checkoutDir, 'src/workflows');
  // The log interceptor lives in the bundle since it exists; older checkouts have none.
  const interceptor = join(workflowsPath, 'log-attributes.ts');
  return bundleWorkflowModule(workflowsPath, existsSync(interceptor) ? [interceptor] : []);
}

/** Bundles one workflow module (e.g. a test-only build of convertToWav) into a file. */
export async function bundleWorkflowModule(workflowsPath: string, workflowInterceptorModules: string[] = []): Promise<string> {
  const noop = () => {};
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules,
    logger: { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop },
    webpackConfigHook: (config) => ({ ...config, resolve: { ...config.resolve, modules: [...(config.resolve?.modules ?? ['node_modules']), projectModules] } }),
  });
  const path = join(tmpdir(), `wavflow-scenario-workflows-${randomUUID().slice(0, 8)}.js`);
  await writeFile(path, code);
  return path;
}
