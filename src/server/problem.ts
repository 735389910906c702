import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, Response } from 'express';

/** RFC 9457 problem details: the one shape every error response has. */
export function sendProblem(res: Response, status: number, title: string, detail?: string, extra: Record<string, unknown> = {}): void {
  res
    .status(status)
    .type('application/problem+json')
    .json({ type: 'about:blank', title, status, ...(detail ? { detail } : {}), ...extra });
}

/** What body-parser and send attach to the errors they pass on. */
interface ClientError {
  type?: string;
  status?: number;
  message?: string;
  /** e.g. Content-Range on send's 416 */
  headers?: Record<string, string>;
}

/** Last middleware: known client errors keep their status; anything else is a 500 without internals. */
export function problemHandler(onUnexpected: (err: unknown) => void): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    const e = (err ?? {}) as ClientError;
    if (e.type === 'entity.too.large') return sendProblem(res, 413, 'Payload Too Large', 'the body is larger than allowed');
    if (e.type === 'entity.parse.failed') return sendProblem(res, 400, 'Bad Request', 'the body is not valid JSON');
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      if (e.headers) res.set(e.headers);
      return sendProblem(res, e.status, STATUS_CODES[e.status] ?? 'Client Error', e.message);
    }
    onUnexpected(err);
    sendProblem(res, 500, 'Internal Server Error');
  };
}
