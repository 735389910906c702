import type { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { searchAttributeNames } from '../workflows';

/** What `wavflow setup` found and did. */
export interface SetupReport {
  namespace: string;
  namespaceCreated: boolean;
  /** The wavflow search attributes this run registered (empty when all were there). */
  searchAttributesAdded: string[];
  /** wavflow's search attributes, all registered now. */
  searchAttributes: string[];
}

export interface SetupOptions {
  namespace: string;
  /** How long closed conversions stay in a namespace this creates. */
  retentionDays: number;
  /** How long to keep trying while the cluster is still coming up or propagating a new namespace. */
  timeoutMs: number;
  log: (message: string) => void;
}

/**
 * Readies a Temporal namespace for wavflow, idempotently, through the frontend's public APIs only
 * (so the same steps serve the harness, compose, Kubernetes and Temporal Cloud): creates the
 * namespace if it does not exist, then registers any of wavflow's search attributes it lacks.
 * A cluster that is still starting, or a namespace its frontend does not know yet (a new one takes
 * a few seconds to reach every cache), is waited for until `timeoutMs`.
 */
export async function setUpNamespace(connection: Connection, options: SetupOptions): Promise<SetupReport> {
  const { namespace } = options;
  const deadline = Date.now() + options.timeoutMs;
  const retrying = <T>(what: string, attempt: () => Promise<T>) => retry(what, attempt, deadline);

  const exists = await retrying(`the description of namespace ${namespace}`, () =>
    connection.workflowService.describeNamespace({ namespace }).then(
      () => true,
      (err: unknown) => {
        if (codeOf(err) === NOT_FOUND) return false;
        throw err;
      },
    ),
  );
  let namespaceCreated = false;
  if (!exists) {
    options.log(`creating namespace ${namespace} (retention ${options.retentionDays} days)`);
    await retrying(`the creation of namespace ${namespace}`, () =>
      connection.workflowService
        .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(`${options.retentionDays} days`) })
        .catch((err: unknown) => {
          // Created meanwhile by another run of setup: the same outcome.
          if (codeOf(err) !== ALREADY_EXISTS) throw err;
        }),
    );
    namespaceCreated = true;
  }
  const added = await retrying(`wavflow's search attributes in ${namespace}`, () => registerSearchAttributes(connection, namespace));
  if (added.length) options.log(`registered search attributes ${added.join(', ')} in ${namespace}`);
  return { namespace, namespaceCreated, searchAttributesAdded: added, searchAttributes: [...searchAttributeNames] };
}

/** Registers whichever of wavflow's search attributes (Keyword) the namespace lacks; returns their names. */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = searchAttributeNames.filter((name) => !(name in (existing.customAttributes ?? {})));
  if (missing.length) {
    await connection.operatorService
      .addSearchAttributes({ namespace, searchAttributes: Object.fromEntries(missing.map((name) => [name, KEYWORD])) })
      .catch((err: unknown) => {
        // Registered meanwhile by another run: checked below.
        if (codeOf(err) !== ALREADY_EXISTS) throw err;
      });
    const now = await connection.operatorService.listSearchAttributes({ namespace });
    const still = missing.filter((name) => !(name in (now.customAttributes ?? {})));
    if (still.length) throw new Error(`search attributes ${still.join(', ')} are still missing after being added`);
  }
  return missing;
}

const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;
const PERMISSION_DENIED = 7;
const INVALID_ARGUMENT = 3;
const UNAUTHENTICATED = 16;

const codeOf = (err: unknown) => (err as { code?: number } | undefined)?.code;

/** Retries until the deadline, except on answers no wait can change (denied, unauthenticated, invalid). */
async function retry<T>(what: string, attempt: () => Promise<T>, deadline: number): Promise<T> {
  for (let delay = 250; ; delay = Math.min(delay * 2, 2_000)) {
    try {
      return await attempt();
    } catch (err) {
      const code = codeOf(err);
      const final = code === PERMISSION_DENIED || code === UNAUTHENTICATED || code === INVALID_ARGUMENT || Date.now() + delay > deadline;
      if (final) throw new Error(`${what}: ${err instanceof Error ? err.message : String(err)}`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
