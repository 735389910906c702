import type { Client } from '@temporalio/client';
import { WavAudioId, WavProviderTaskId, WavStatus, type Phase } from './workflows';
import { closedPhase, phaseQuery } from './workflows/phase-query';

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
  /** `nextCursor` of the previous page. */
  cursor?: string | undefined;
}

/** A page of conversions from Temporal's visibility store, in its order (running first, then most recently closed). */
export async function listConversions(client: Client, { namespace, status, limit, cursor }: ListOptions): Promise<{ items: ConversionSummary[]; nextCursor?: string }> {
  const query = `WorkflowType = 'convertToWav'${status ? ` AND ${phaseQuery(status)}` : ''}`;
  const page = await client.workflowService.listWorkflowExecutions({
    namespace,
    query,
    pageSize: limit,
    nextPageToken: cursor ? Buffer.from(cursor, 'base64url') : undefined,
  });
  const items: ConversionSummary[] = (page.executions ?? []).map((e) => {
    const attributes = e.searchAttributes?.indexedFields ?? {};
    const keyword = (name: string) => decodeKeyword(attributes[name]?.data);
    const workflowStatus = workflowStatusName(e.status ?? 0);
    return dropUndefined({
      conversionId: e.execution?.workflowId ?? '',
      runId: e.execution?.runId ?? '',
      workflowStatus,
      phase: closedPhase(workflowStatus) ?? keyword(WavStatus.name),
      wavTaskId: keyword(WavProviderTaskId.name),
      audioId: keyword(WavAudioId.name) || undefined,
      startedAt: timestamp(e.startTime),
      closedAt: timestamp(e.closeTime),
    });
  });
  const next = page.nextPageToken?.length ? Buffer.from(page.nextPageToken).toString('base64url') : undefined;
  return { items, ...(next ? { nextCursor: next } : {}) };
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
