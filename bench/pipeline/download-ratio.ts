import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { projectDir } from '../support';

/**
 * `downloadRatioVsNodeLoop` is bench:download's figure (the download against Node's own bare
 * read, hash and write loop over the same bytes); `npm run bench` reports the last one
 * bench:download wrote to dist/bench/last-download.json, with its date, and leaves the key out
 * when there is none.
 */
export const DOWNLOAD_RESULT_FILE = join(projectDir, 'dist/bench/last-download.json');

export function readDownloadRatio(): { ratio: number; at: string } | undefined {
  if (!existsSync(DOWNLOAD_RESULT_FILE)) return undefined;
  try {
    const result = JSON.parse(readFileSync(DOWNLOAD_RESULT_FILE, 'utf8')) as { downloadRatioVsNodeLoop?: unknown };
    if (typeof result.downloadRatioVsNodeLoop !== 'number') return undefined;
    return { ratio: result.downloadRatioVsNodeLoop, at: statSync(DOWNLOAD_RESULT_FILE).mtime.toISOString() };
  } catch {
    return undefined;
  }
}
