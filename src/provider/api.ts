import { ProviderError, type ProviderEndpoint } from './errors';
import { describeIssues, envelopeSchema, parseRecord, submitDataSchema } from './schemas';
import type { ProviderRecord, ProviderVariant, SubmitRequest, SubmitResult } from './types';

export interface ProviderApiOptions {
  baseUrl: string;
  apiKey: string;
  variant: ProviderVariant;
  /** Per request, connect to last byte. */
  timeoutMs: number;
}

/**
 * The provider's two endpoints. The body's `code` decides the outcome, then the HTTP status,
 * because the providers' body `code` may disagree with the HTTP status (an error answered with
 * HTTP 200, or the reverse).
 */
export class ProviderApi {
  private readonly baseUrl: string;

  constructor(private readonly options: ProviderApiOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  async submit(request: SubmitRequest, signal?: AbortSignal): Promise<SubmitResult> {
    // The providers' OpenAPI schemas require both ids while their prose accepts either: send whatever we have.
    const body: Record<string, string> = { callBackUrl: request.callBackUrl };
    if (request.taskId) body.taskId = request.taskId;
    if (request.audioId) body.audioId = request.audioId;
    const { code, msg, data, httpStatus } = await this.call('generate', '/api/v1/wav/generate', {
      method: 'POST',
      body: JSON.stringify(body),
      signal,
    });
    if (code === 200 || code === 409) {
      const parsed = submitDataSchema.safeParse(data);
      if (parsed.success) return { taskId: parsed.data.taskId, adopted: code === 409 };
      if (code === 200) throw this.error('generate', 500, `malformed data: ${describeIssues(parsed.error)}`, httpStatus);
    }
    throw this.error('generate', code, msg, httpStatus);
  }

  async recordInfo(wavTaskId: string, signal?: AbortSignal): Promise<ProviderRecord> {
    const path = `/api/v1/wav/record-info?taskId=${encodeURIComponent(wavTaskId)}`;
    const { code, msg, data, httpStatus } = await this.call('record-info', path, { method: 'GET', signal });
    if (code !== 200) throw this.error('record-info', code, msg, httpStatus);
    const parsed = parseRecord(data);
    if (!parsed.ok) throw this.error('record-info', 500, `malformed data: ${parsed.error}`, httpStatus);
    return parsed.value;
  }

  private async call(
    endpoint: ProviderEndpoint,
    path: string,
    init: { method: string; body?: string; signal?: AbortSignal | undefined },
  ): Promise<{ code: number; msg: string; data: unknown; httpStatus: number }> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method: init.method,
        body: init.body,
        headers: {
          authorization: `Bearer ${this.options.apiKey}`,
          accept: 'application/json',
          ...(init.body ? { 'content-type': 'application/json' } : {}),
        },
        signal: init.signal ? AbortSignal.any([init.signal, timeout]) : timeout,
      });
      text = await response.text();
    } catch (err) {
      if (init.signal?.aborted) throw err;
      throw this.error(endpoint, 0, err instanceof Error ? err.message : String(err), undefined);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const envelope = envelopeSchema.safeParse(json);
    if (envelope.success) return { ...envelope.data, data: envelope.data.data, httpStatus: response.status };
    // No usable body: the HTTP status is all we have.
    const code = response.ok ? 500 : response.status;
    return { code, msg: `HTTP ${response.status}: ${text.slice(0, 200)}`, data: undefined, httpStatus: response.status };
  }

  private error(endpoint: ProviderEndpoint, code: number, msg: string, httpStatus: number | undefined) {
    return new ProviderError(endpoint, code, msg, httpStatus, this.options.variant);
  }
}
