import type { ErrorRequestHandler, Response } from 'express';

/** RFC 9457 problem details: the one shape every error response has. */
export function sendProblem(res: Response, status: number, title: string, detail?: string, extra: Record<string, unknown> = {}): void {
  res
    .status(status)
    .type('application/problem+json')
    .json({ type: 'about:blank', title, status, ...(detail ? { detail } : {}), ...extra });
}

interface BodyParserError {
  type?: string;
  status?: number;
  message?: string;
}

/** Last middleware: known client errors keep their status; anything else is a 500 without internals. */
export function problemHandler(onUnexpected: (err: unknown) => void): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    const e = (err ?? {}) as BodyParserError;
    if (e.type === 'entity.too.large') return sendProblem(res, 413, 'Payload Too Large', 'the body is larger than allowed');
    if (e.type === 'entity.parse.failed') return sendProblem(res, 400, 'Bad Request', 'the body is not valid JSON');
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) return sendProblem(res, e.status, 'Bad Request', e.message);
    onUnexpected(err);
    sendProblem(res, 500, 'Internal Server Error');
  };
}
