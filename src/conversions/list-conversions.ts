import type { Client } from '@temporalio/client';
import { AudioIdAttribute, WavTaskIdAttribute, PhaseAttribute, type Phase } from '../workflows';
import { closedPhase, phaseQuery } from '../workflows/phase-query';

export interface ConversionSummary {
  conversionId: string;
  runId: string;
  workflowStatus: string;
  phase?: string;
  wavTaskId?: string;
  audioId?: string;
  startedAt?: string;
  closedAt?: string;
}

export interface ListOptions {
  namespace: string;
  status?: Phase | undefined;
  limit: number;
  /** `nextPageToken` of the previous page, exactly as Temporal gave it for the same query. */
  pageToken?: Uint8Array | undefined;
}

export interface ConversionPage {
  items: ConversionSummary[];
  /** Present when there are more: pass it back as `pageToken` with the same status filter. */
  nextPageToken?: Uint8Array;
}

/** The visibility query behind a listing: its page tokens are valid for this query only. */
export const conversionListQuery = (status?: Phase): string => `WorkflowType = 'convertToWav'${status ? ` AND ${phaseQuery(status)}` : ''}`;

/** A page of conversions from Temporal's visibility store, in its order (running first, then most recently closed). */
export async function listConversions(client: Client, { namespace, status, limit, pageToken }: ListOptions): Promise<ConversionPage> {
  const page = await client.workflowService.listWorkflowExecutions({
    namespace,
    query: conversionListQuery(status),
    pageSize: limit,
    nextPageToken: pageToken,
  });
  const items: ConversionSummary[] = (page.executions ?? []).map((e) => {
    const attributes = e.searchAttributes?.indexedFields ?? {};
    const keyword = (name: string) => decodeKeyword(attributes[name]?.data);
    const workflowStatus = workflowStatusName(e.status ?? 0);
    return dropUndefined({
      conversionId: e.execution?.workflowId ?? '',
      runId: e.execution?.runId ?? '',
      workflowStatus,
      phase: closedPhase(workflowStatus) ?? keyword(PhaseAttribute.name),
      wavTaskId: keyword(WavTaskIdAttribute.name),
      audioId: keyword(AudioIdAttribute.name) || undefined,
      startedAt: timestamp(e.startTime),
      closedAt: timestamp(e.closeTime),
    });
  });
  return { items, ...(page.nextPageToken?.length ? { nextPageToken: page.nextPageToken } : {}) };
}

/** Keyword search attributes arrive as JSON-encoded payloads (a string, or a one-element list). */
function decodeKeyword(data: Uint8Array | null | undefined): string | undefined {
  if (!data) return undefined;
  const value: unknown = JSON.parse(Buffer.from(data).toString('utf8'));
  const text = Array.isArray(value) ? (value[0] as unknown) : value;
  return typeof text === 'string' ? text : undefined;
}

function timestamp(t: { seconds?: unknown; nanos?: number | null } | null | undefined): string | undefined {
  if (!t?.seconds) return undefined;
  return new Date(Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6)).toISOString();
}

const STATUS_NAMES = ['UNSPECIFIED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'CONTINUED_AS_NEW', 'TIMED_OUT'];
const workflowStatusName = (status: number) => STATUS_NAMES[status] ?? 'UNKNOWN';

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
