import { measure } from './measure';

/**
 * The provider's side of bench:callbacks, in its own process: POSTs signed callbacks to the
 * receiver at the requested concurrency and reports the round to the parent.
 */
interface Job {
  urls: string[];
  requests: number;
  concurrency: number;
}

process.on('message', (job: Job) => {
  const post = async (i: number) => {
    const body = { code: 200, msg: 'success', data: { task_id: `task-${i}`, audio_wav_url: `https://files.example/${i}.wav` } };
    const response = await fetch(job.urls[i % job.urls.length] as string, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`receiver answered ${response.status}`);
  };
  measure(post, job.requests, job.concurrency).then(
    (round) => process.send?.(round),
    (err: unknown) => process.send?.({ error: String(err) }),
  );
});
