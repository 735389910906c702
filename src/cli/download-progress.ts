import { Presets, SingleBar } from 'cli-progress';
import type { DownloadProgress } from '../conversions';

const mib = (bytes: number) => (bytes / 1024 ** 2).toFixed(1);

/**
 * `convert --wait`'s view of a running download: a bar on a terminal; otherwise (a log, a pipe) a
 * line at each quarter, so the output stays readable.
 */
export function downloadProgressReporter(terminal: boolean) {
  let bar: SingleBar | undefined;
  let quartersShown = 0;
  return {
    update({ bytes, total }: DownloadProgress): void {
      if (!total) return;
      if (terminal) {
        const payload = { done: mib(bytes), size: mib(total) };
        if (bar) return bar.update(bytes, payload);
        bar = new SingleBar({ format: 'downloading {bar} {percentage}% | {done}/{size} MiB', stream: process.stdout, hideCursor: true }, Presets.shades_classic);
        bar.start(total, bytes, payload);
        return;
      }
      const quarters = Math.floor((bytes * 4) / total);
      if (quarters > quartersShown && quarters < 4) {
        quartersShown = quarters;
        console.log(`downloading  ${Math.floor((bytes * 100) / total)}% (${bytes} of ${total} bytes)`);
      }
    },
    /** Before anything else is printed. */
    stop(): void {
      bar?.stop();
      bar = undefined;
    },
  };
}
