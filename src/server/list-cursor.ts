import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * `GET /v1/conversions` cursors: Temporal's next-page token, sealed with an HMAC over the token and
 * the visibility query it pages through. Temporal does not validate its tokens quickly (a bogus
 * one stalled about 20 s, then failed as an internal error), so only tokens this API handed out,
 * for the same query, are ever passed back to it.
 */

const MAC_BYTES = 16;

/** A key of its own, derived from the server's secret, so cursors and callback URLs never share one. */
export const cursorKey = (secret: string): Buffer => createHmac('sha256', secret).update('wavflow list cursor v1').digest();

export function sealCursor(token: Uint8Array, query: string, key: Buffer): string {
  return Buffer.concat([Buffer.from(token), mac(token, query, key)]).toString('base64url');
}

/** Temporal's token inside `cursor`, or undefined when this API did not issue it for `query`. */
export function openCursor(cursor: string, query: string, key: Buffer): Uint8Array | undefined {
  const sealed = Buffer.from(cursor, 'base64url');
  // base64url decoding skips what it cannot read: only a canonical encoding is a cursor.
  if (sealed.length <= MAC_BYTES || sealed.toString('base64url') !== cursor) return undefined;
  const token = sealed.subarray(0, sealed.length - MAC_BYTES);
  const given = sealed.subarray(sealed.length - MAC_BYTES);
  return timingSafeEqual(given, mac(token, query, key)) ? token : undefined;
}

function mac(token: Uint8Array, query: string, key: Buffer): Buffer {
  return createHmac('sha256', key).update(query).update('\0').update(token).digest().subarray(0, MAC_BYTES);
}
