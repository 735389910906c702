import { createHash } from 'node:crypto';

/**
 * A release folder's checksum manifest, in `sha256sum` format (`sha256sum -c SHA256SUMS` checks
 * it too). Committed with the folder; a unit test fails when any file differs from it.
 */
export const MANIFEST_FILE = 'SHA256SUMS';

export const sha256 = (content: string | Buffer) => createHash('sha256').update(content).digest('hex');

export function writeManifest(files: ReadonlyMap<string, string | Buffer>): string {
  return [...files.keys()]
    .sort()
    .map((name) => `${sha256(files.get(name) as string | Buffer)}  ${name}\n`)
    .join('');
}

export function parseManifest(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!match) throw new Error(`${MANIFEST_FILE}: not a checksum line: ${line}`);
    sums.set(match[2] as string, match[1] as string);
  }
  return sums;
}

/** What differs between a folder's files and its manifest; empty when the folder is intact. */
export function manifestDifferences(manifest: ReadonlyMap<string, string>, files: ReadonlyMap<string, string | Buffer>): string[] {
  const problems: string[] = [];
  for (const [name, sum] of manifest) {
    const content = files.get(name);
    if (content === undefined) problems.push(`${name}: listed but missing`);
    else if (sha256(content) !== sum) problems.push(`${name}: changed since it was frozen`);
  }
  for (const name of files.keys()) if (!manifest.has(name)) problems.push(`${name}: added to a frozen folder`);
  return problems;
}
