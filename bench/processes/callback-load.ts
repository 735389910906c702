import { Agent, request } from 'node:http';
import { measure } from '../support';

/**
 * The provider's side of bench:callbacks, in its own process: POSTs signed callbacks to the
 * receiver at the requested concurrency and reports the round to the parent.
 *
 * node:http on keep-alive connections, one per request in flight: the provider's client runs on
 * the provider's machines, and on a 2-core benchmark machine every microsecond it spends is taken
 * from the receiver and Temporal. Node's fetch spent about 500 µs of CPU per request here, node:http
 * about 60 (bench/README.md).
 */
interface Job {
  urls: string[];
  requests: number;
  concurrency: number;
}

process.on('message', (job: Job) => {
  const agent = new Agent({ keepAlive: true, maxSockets: job.concurrency });
  const post = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const body = JSON.stringify({ code: 200, msg: 'success', data: { task_id: `task-${i}`, audio_wav_url: `https://files.example/${i}.wav` } });
      const req = request(job.urls[i % job.urls.length] as string, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.once('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`receiver answered ${res.statusCode}`))));
      });
      req.once('error', reject);
      req.end(body);
    });
  measure(post, job.requests, job.concurrency).then(
    (round) => {
      agent.destroy();
      process.send?.(round);
    },
    (err: unknown) => process.send?.({ error: String(err) }),
  );
});
