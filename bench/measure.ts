export interface Round {
  perSec: number;
  latencies: number[];
}

/** Runs `call` `requests` times with `concurrency` in flight; every call must succeed. */
export async function measure(call: (i: number) => Promise<void>, requests: number, concurrency: number): Promise<Round> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        const i = next++;
        const t = performance.now();
        await call(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { perSec: requests / ((performance.now() - started) / 1000), latencies };
}
