import { connect, createServer } from 'node:net';

/** A port that was free a moment ago on 127.0.0.1, for a server that cannot take port 0 (the Temporal dev server). */
export function freePort(): Promise<number> {
  return listenOnce(0);
}

/**
 * A free port from [min, max], tried at random: for a server whose port must fit a range (the
 * ephemeral ports freePort() hands out are above 32767, which Temporal's membership table, a
 * PostgreSQL SMALLINT, cannot store).
 */
export async function freePortBetween(min: number, max: number): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = min + Math.floor(Math.random() * (max - min + 1));
    const free = await listenOnce(port).then(
      () => true,
      () => false,
    );
    if (free) return port;
  }
  throw new Error(`no free port between ${min} and ${max} on 127.0.0.1`);
}

/** Whether something accepts connections on host:port now (within a second). */
export function isListening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (listening: boolean) => {
      socket.destroy();
      resolve(listening);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as { port: number };
      server.close(() => resolve(bound));
    });
  });
}
