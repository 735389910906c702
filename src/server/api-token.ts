import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { sendProblem } from './problem';

/** Bearer-token guard for the conversions API; compared in constant time. */
export function requireApiToken(token: string): RequestHandler {
  const expected = Buffer.from(`Bearer ${token}`);
  return (req, res, next) => {
    const given = Buffer.from(req.get('authorization') ?? '');
    const ok = given.length === expected.length && timingSafeEqual(given, expected);
    if (ok) return next();
    res.set('www-authenticate', 'Bearer');
    sendProblem(res, 401, 'Unauthorized', 'a valid bearer token (API_TOKEN) is required');
  };
}
