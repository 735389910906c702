import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import http, { type IncomingMessage } from 'node:http';

/**
 * bench:download's baseline: the plainest Node download, in a process of its own like the
 * worker's activity. GET the URL, and for each chunk as it comes: hash it (node:crypto) and write
 * it (a synchronous write into the page cache); then fsync, as the activity does before its
 * rename. Prints `{ bytes, seconds, sha256 }`, timed from the request to the end of the fsync.
 * Usage: node node-loop.js <url> <dest>
 */
async function main(): Promise<void> {
  const [url, dest] = process.argv.slice(2);
  if (!url || !dest) throw new Error('usage: node-loop <url> <dest>');
  const started = performance.now();
  const response = await new Promise<IncomingMessage>((resolve, reject) => http.get(url, resolve).once('error', reject));
  if (response.statusCode !== 200) throw new Error(`the file host answered ${response.statusCode}`);
  const hash = createHash('sha256');
  const fd = openSync(dest, 'w');
  let bytes = 0;
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      hash.update(chunk);
      bytes += writeSync(fd, chunk);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(JSON.stringify({ bytes, seconds, sha256: hash.digest('hex') }));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
