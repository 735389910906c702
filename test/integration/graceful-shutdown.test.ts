import express from 'express';
import { listen } from '../../src/server';
import { waitFor } from '../support/wait-for';

/** Shutdown stops accepting, lets in-flight requests finish (bounded), then returns. */
function slowApp() {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  let entered = 0;
  const app = express();
  app.get('/slow', async (_req, res) => {
    entered++;
    await gate;
    res.json({ finished: true });
  });
  return { app, release, entered: () => entered };
}

test('an in-flight request finishes; new connections are refused', async () => {
  const { app, release, entered } = slowApp();
  const server = await listen(app, 0, '127.0.0.1');
  const inFlight = fetch(`${server.url}/slow`);
  await waitFor('the request to be in flight', () => entered() === 1);

  const closing = server.close(10_000);
  const refused = await fetch(`${server.url}/slow`).then(
    () => false,
    () => true,
  );
  release();
  const response = await inFlight;

  expect(refused).toBe(true);
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ finished: true });
  await closing;
});

test('a request that never finishes is cut after the grace period', async () => {
  const { app, entered } = slowApp();
  const server = await listen(app, 0, '127.0.0.1');
  const stuck = fetch(`${server.url}/slow`).then(
    () => 'answered',
    () => 'cut',
  );
  await waitFor('the request to be in flight', () => entered() === 1);

  await server.close(100);

  expect(await stuck).toBe('cut');
});
