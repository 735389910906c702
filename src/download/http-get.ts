import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { assertAllowedAddress, ForbiddenAddressError, type AddressPolicy } from './address-policy';

export interface SafeGetOptions {
  headers: Record<string, string>;
  policy: AddressPolicy;
  connectTimeoutMs: number;
  /** Longest silence on the socket, while connecting, waiting for headers or reading the body. */
  idleTimeoutMs: number;
  signal: AbortSignal;
  maxRedirects?: number;
}

export interface SafeGetResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: IncomingMessage;
  /** The URL after redirects. */
  url: string;
}

const REDIRECTS = [301, 302, 303, 307, 308];

/** The peer answered with something that is not an HTTP/1.x response (binary framing, a banner, garbage). */
export class NotHttpResponseError extends Error {
  override readonly name = 'NotHttpResponseError';

  constructor(url: URL, cause: NodeJS.ErrnoException) {
    super(`${url.host} did not answer HTTP (${cause.code ?? 'parse error'}: ${cause.message})`, { cause });
  }
}

/**
 * GET that connects only where the address policy allows: http(s) only, every resolved address
 * checked before connecting (the connection uses the checked address, so DNS cannot change its
 * answer in between), and every redirect hop (at most 5) checked again.
 */
export async function safeGet(url: string, options: SafeGetOptions): Promise<SafeGetResponse> {
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    if (current.protocol !== 'http:' && current.protocol !== 'https:') {
      throw new ForbiddenAddressError(`scheme ${current.protocol} is not allowed`);
    }
    const response = await requestOnce(current, options);
    const location = response.headers.location;
    if (!REDIRECTS.includes(response.statusCode ?? 0) || !location) {
      return { status: response.statusCode ?? 0, headers: response.headers, body: response, url: current.href };
    }
    response.resume();
    if (hop >= (options.maxRedirects ?? 5)) throw new Error(`more than ${options.maxRedirects ?? 5} redirects`);
    current = new URL(location, current);
  }
}

function requestOnce(url: URL, { headers, policy, connectTimeoutMs, idleTimeoutMs, signal }: SafeGetOptions): Promise<IncomingMessage> {
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  // Literal addresses never reach `lookup`: check them here, before any packet is sent.
  if (isIP(hostname)) assertAllowedAddress(url, hostname, policy);

  const lookup: LookupFunction = (host, lookupOptions, callback) => {
    dnsLookup(host, { all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      // IPv4 first: local servers often listen on 127.0.0.1 only while `localhost` also means ::1.
      const ordered = [...addresses].sort((a, b) => a.family - b.family);
      try {
        // Refuse a name with any internal address: a resolver may hand out the other one next time.
        for (const { address } of ordered) assertAllowedAddress(url, address, policy);
      } catch (refusal) {
        return callback(refusal as NodeJS.ErrnoException, '', 0);
      }
      if (lookupOptions.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, ordered);
      const first = ordered[0];
      if (!first) return callback(new Error(`${host} has no address`), '', 0);
      callback(null, first.address, first.family);
    });
  };

  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(url, { headers, lookup, signal });
    request.on('socket', (socket) => {
      if (!socket.connecting) return;
      const timer = setTimeout(() => request.destroy(new Error(`connect timeout after ${connectTimeoutMs} ms`)), connectTimeoutMs);
      socket.once('connect', () => clearTimeout(timer));
      socket.once('close', () => clearTimeout(timer));
    });
    let response: IncomingMessage | undefined;
    request.setTimeout(idleTimeoutMs, () => {
      const silence = new Error(`no data for ${idleTimeoutMs} ms`);
      // Mid-body, the reader sees the response end: give it the reason, not a bare "aborted".
      response?.destroy(silence);
      request.destroy(silence);
    });
    request.once('response', (answer: IncomingMessage) => resolve((response = answer)));
    // Before a response, a parser error means the peer does not speak HTTP/1.x at all (a gRPC,
    // SSH or database port): retrying cannot change that.
    request.once('error', (err: NodeJS.ErrnoException) => reject(err.code?.startsWith('HPE_') ? new NotHttpResponseError(url, err) : err));
    request.end();
  });
}
