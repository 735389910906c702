import type { Client } from '@temporalio/client';
import { describeConversion, downloadProgress, type DownloadProgress } from './read-conversion';
import { convertToWav, statusQuery, type ConversionResult, type ConversionStatus } from '../workflows';

/**
 * What one conversion's Temporal handle does for the API, the CLI and tests: its full status from
 * the workflow's query, its result, its cancellation, and its page in the Temporal UI.
 */

/** The workflow's own status, as its `status` query reports it, with Temporal's view of the run. */
export type QueriedConversion = ConversionStatus & {
  runId: string;
  workflowStatus: string;
  /** While the download runs: its last heartbeat (bytes in the file so far, of `total` when known). */
  download?: DownloadProgress;
};

/**
 * The conversion's full status from its `status` query (every counter and the ignored callbacks),
 * or undefined when no such conversion exists. It needs a worker, for closed conversions too:
 * the API and the CLI read with `readConversion`, which does not.
 */
export async function getConversion(client: Client, conversionId: string): Promise<QueriedConversion | undefined> {
  const description = await describeConversion(client, conversionId);
  if (!description) return undefined;
  const status = await client.workflow.getHandle(conversionId).query(statusQuery);
  const workflowStatus = description.status.name;
  // A terminated or timed-out run never reached a closing phase of its own.
  if (['TERMINATED', 'TIMED_OUT'].includes(workflowStatus) && status.phase !== 'completed') {
    status.phase = 'failed';
    status.failure ??= { type: workflowStatus, message: `workflow ${workflowStatus.toLowerCase()}` };
  }
  if (workflowStatus === 'CANCELLED') status.phase = 'cancelled';
  const download = status.phase === 'downloading' ? downloadProgress(client, description) : undefined;
  return { ...status, runId: description.runId, workflowStatus, ...(download ? { download } : {}) };
}

/** Waits for the conversion to finish; throws its typed failure if it failed. */
export async function waitForConversion(client: Client, conversionId: string): Promise<ConversionResult> {
  return client.workflow.getHandle<typeof convertToWav>(conversionId).result();
}

/**
 * Requests cancellation. A running download stops within its heartbeat timeout and removes its
 * .part file before the conversion reports `cancelled`.
 * @returns 'cancelling', 'not-found', or the closed workflow's status (e.g. 'COMPLETED')
 */
export async function cancelConversion(client: Client, conversionId: string): Promise<string> {
  const description = await describeConversion(client, conversionId);
  if (!description) return 'not-found';
  if (description.status.name !== 'RUNNING') return description.status.name;
  await client.workflow.getHandle(conversionId).cancel();
  return 'cancelling';
}

/** The Temporal UI page of one conversion. */
export function conversionUiUrl(uiBaseUrl: string, namespace: string, conversionId: string): string {
  return `${uiBaseUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(conversionId)}`;
}
