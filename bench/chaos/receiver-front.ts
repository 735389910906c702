import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the provider reaches instead of the receiver: a pass-through (a load balancer, in
 * production) that can play "the receiver is down" for chosen conversions. For those, the first
 * callback request is dropped without an answer, as a crashed receiver would, so the provider's
 * retry schedule has to deliver it. While the HTTP server itself is restarting, every request meets
 * the same closed connection.
 */
export interface ReceiverFront {
  url: string;
  /** Callback requests dropped on purpose (per conversion: the first). */
  dropped: Map<string, number>;
  /** Requests that found the receiver not listening. */
  unreachable: number;
  close(): Promise<void>;
}

export async function startReceiverFront(backendPort: number, downFirst: ReadonlySet<string>): Promise<ReceiverFront> {
  const dropped = new Map<string, number>();
  const front: ReceiverFront = { url: '', dropped, unreachable: 0, close: async () => {} };

  const server: Server = createServer((req, res) => {
    const workflowId = decodeURIComponent(/^\/callbacks\/wav\/([^/]+)\//.exec(req.url ?? '')?.[1] ?? '');
    if (downFirst.has(workflowId) && !dropped.has(workflowId)) {
      dropped.set(workflowId, 1);
      req.resume();
      return void req.socket.destroy();
    }
    const upstream = request({ host: '127.0.0.1', port: backendPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.once('error', () => {
      front.unreachable++;
      req.socket.destroy();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done());
  });
  front.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  front.close = async () => {
    const closed = new Promise<void>((done) => server.close(() => done()));
    server.closeAllConnections();
    await closed;
  };
  return front;
}
