import { measure } from '../support';

/**
 * The API's callers for bench/pipeline.ts, in their own process as they would be on other
 * machines: POST /v1/conversions at the requested concurrency, one new audioId per request.
 */
interface Job {
  url: string;
  prefix: string;
  requests: number;
  concurrency: number;
}

process.on('message', (job: Job) => {
  const post = async (i: number) => {
    const response = await fetch(`${job.url}/v1/conversions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ audioId: `${job.prefix}-${i}` }),
    });
    await response.arrayBuffer();
    if (response.status !== 201) throw new Error(`POST /v1/conversions answered ${response.status}`);
  };
  measure(post, job.requests, job.concurrency).then(
    (round) => process.send?.(round),
    (err: unknown) => process.send?.({ error: String(err) }),
  );
});
process.send?.({ type: 'ready' });
