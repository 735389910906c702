import { readFile } from 'node:fs/promises';
import { connect, constants, createSecureServer, type ClientHttp2Session, type Http2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { CertificateFiles } from '../../src/local-servers';

/**
 * What stands in front of Temporal Cloud's frontends, for a test: TLS only, every gRPC call must
 * carry `authorization: Bearer <API key>` (anything else is answered UNAUTHENTICATED, as Cloud
 * does), and accepted calls go on, stream for stream, to a real frontend. It records each call's
 * method and the metadata the SDK sent.
 */
export interface ApiKeyGateway {
  address: string;
  calls: Array<{ path: string; authorization: string | undefined; userAgent: string | undefined; accepted: boolean }>;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host']);

export async function startApiKeyGateway(options: { certificate: CertificateFiles; apiKey: string; upstream: string }): Promise<ApiKeyGateway> {
  const calls: ApiKeyGateway['calls'] = [];
  let upstream: ClientHttp2Session | undefined;
  const session = () => {
    if (!upstream || upstream.closed || upstream.destroyed) {
      upstream = connect(`http://${options.upstream}`);
      upstream.on('error', () => {});
    }
    return upstream;
  };

  const server = createSecureServer({ cert: await readFile(options.certificate.cert), key: await readFile(options.certificate.key) });
  const sessions = new Set<Http2Session>();
  server.on('session', (s: Http2Session) => {
    sessions.add(s);
    s.once('close', () => sessions.delete(s));
  });
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    const authorization = headers.authorization;
    const accepted = authorization === `Bearer ${options.apiKey}`;
    calls.push({ path: String(headers[':path']), authorization, userAgent: headers['user-agent'], accepted });
    stream.on('error', () => {});
    if (!accepted) {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': 'Request unauthorized' }, { endStream: true });
      return;
    }
    const forwarded: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(headers)) {
      if (name.startsWith(':') || HOP_BY_HOP.has(name) || name === 'authorization') continue;
      forwarded[name] = value;
    }
    const call = session().request({ ...forwarded, ':method': 'POST', ':path': headers[':path'] });
    call.on('error', () => stream.close(constants.NGHTTP2_INTERNAL_ERROR));
    stream.on('close', () => {
      if (!call.closed) call.close(constants.NGHTTP2_CANCEL);
    });
    let trailers: OutgoingHttpHeaders = {};
    call.on('trailers', (received: IncomingHttpHeaders) => (trailers = withoutPseudo(received)));
    call.on('response', (received) => {
      // A trailers-only answer (an error) carries grpc-status in its headers and ends there.
      const trailersOnly = received['grpc-status'] !== undefined;
      stream.respond({ ...withoutPseudo(received), ':status': received[':status'] ?? 200 }, trailersOnly ? { endStream: true } : { waitForTrailers: true });
      if (!trailersOnly) {
        stream.on('wantTrailers', () => stream.sendTrailers(trailers));
        call.pipe(stream);
      }
    });
    stream.pipe(call);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Workers' long polls would hold it open for a minute.
      for (const s of sessions) s.destroy();
      upstream?.destroy();
      await closed;
    },
  };
}

function withoutPseudo(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !name.startsWith(':')));
}
