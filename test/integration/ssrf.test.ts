import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { getConversion } from '../../src/conversions';
import { startStack, uniqueId, type TestStack } from '../support/stack';
import { waitFor } from '../support/wait-for';

/**
 * Downloads may reach an internal address only at the exact host:port allowed (the sandbox's), and
 * a server that does not speak HTTP ends the download at once. Through real sockets: the sandbox
 * redirects its file URL to the target, as a compromised provider answer would.
 */

const temporalPort = Number((process.env.WAVFLOW_TEST_TEMPORAL_ADDRESS ?? '').split(':')[1]);

/** A TCP server that answers every request with something that is not HTTP, and counts connections. */
async function startNonHttpServer(answer: Buffer): Promise<{ server: Server; port: number; connections: () => number }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.once('data', () => socket.end(answer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  return { server, port: (server.address() as AddressInfo).port, connections: () => connections };
}

let garbage: Awaited<ReturnType<typeof startNonHttpServer>>;
let stack: TestStack;
let lenient: TestStack;
beforeAll(async () => {
  garbage = await startNonHttpServer(Buffer.from('SSH-2.0-OpenSSH_9.2\r\n'));
  // Allows, besides its sandbox, the non-HTTP server and Temporal: a misconfigured allow-list.
  [stack, lenient] = await Promise.all([startStack(), startStack({}, {}, { allowedHosts: [`localhost:${garbage.port}`, `localhost:${temporalPort}`] })]);
});
afterAll(async () => {
  await Promise.all([stack?.stop(), lenient?.stop()]);
  await new Promise((resolve) => garbage?.server.close(resolve));
});

/** Starts a conversion whose file URL redirects to `target`, and waits (with a deadline) for it to end. */
async function convertRedirectedTo(on: TestStack, target: (stack: TestStack) => string) {
  const audioId = uniqueId('ssrf');
  on.sandbox.setScenario(audioId, { redirectTo: target(on) });
  const { conversionId } = await on.start({ audioId, pollIntervalSeconds: 600 });
  // A retry loop never ends by itself: the deadline is what makes one fail this test.
  const status = await waitFor('the conversion to end', async () => {
    const s = await getConversion(on.client, conversionId);
    return s && ['completed', 'failed', 'cancelled'].includes(s.phase) ? s : undefined;
  });
  return { status, task: on.sandbox.task(status.wavTaskId ?? '') };
}

describe("the sandbox's host is allowed on the sandbox's port only", () => {
  test.each([
    ["the API's own port on the same host", (s: TestStack) => `http://localhost:${new URL(s.server.url).port}/openapi.json`],
    ["Temporal's gRPC port on the same host", () => `http://localhost:${temporalPort}/`],
  ])('a redirect to %s is refused with ForbiddenDownloadAddress', async (_name, target) => {
    const { status } = await convertRedirectedTo(stack, target);
    expect(status).toMatchObject({ phase: 'failed', failure: { type: 'ForbiddenDownloadAddress' } });
    expect(status.downloadAttempts).toBe(1);
  });

  test('the sandbox itself still serves the file', async () => {
    const audioId = uniqueId('ssrf-ok');
    const { conversionId } = await stack.start({ audioId, pollIntervalSeconds: 600 });
    const status = await waitFor('the conversion to complete', async () => ((await getConversion(stack.client, conversionId))?.phase === 'completed' ? getConversion(stack.client, conversionId) : undefined));
    expect(status?.result?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(status?.result?.sha256).toBe(stack.sandbox.task(status?.wavTaskId ?? '')?.file?.sha256);
  });
});

describe('a server that does not answer HTTP ends the download at once', () => {
  test('a banner instead of a status line: NotHttpResponse, one connection, no retry', async () => {
    const before = garbage.connections();
    const { status } = await convertRedirectedTo(lenient, () => `http://localhost:${garbage.port}/a.wav`);
    expect(status).toMatchObject({ phase: 'failed', failure: { type: 'NotHttpResponse' } });
    expect(status.downloadAttempts).toBe(1);
    expect(garbage.connections() - before).toBe(1);
  });

  test("Temporal's gRPC port (HTTP/2 frames to an HTTP/1.1 request): NotHttpResponse, no retry", async () => {
    const { status } = await convertRedirectedTo(lenient, () => `http://localhost:${temporalPort}/`);
    expect(status).toMatchObject({ phase: 'failed', failure: { type: 'NotHttpResponse' } });
    expect(status.downloadAttempts).toBe(1);
  });
});
