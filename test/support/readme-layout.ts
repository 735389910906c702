import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The folders the README's Layout section lists, read from its tree: one entry a line, a name
 * ending in `/`, indented two spaces a level under its parent; the text after it, and lines that
 * continue a description, are not read.
 */
export function documentedFolders(readme: string): string[] {
  const section = /<!-- layout:start -->\n([\s\S]*?)\n<!-- layout:end -->/.exec(readme)?.[1];
  if (section === undefined) throw new Error('README.md has no <!-- layout:start --> … <!-- layout:end --> section');
  const parents: string[] = [];
  const folders: string[] = [];
  for (const line of section.split('\n')) {
    const entry = /^( *)([\w.-]+\/)(?: {2,}|$)/.exec(line);
    if (!entry) continue;
    const depth = entry[1]!.length / 2;
    if (!Number.isInteger(depth) || depth > parents.length) throw new Error(`README layout: "${line.trim()}" is not indented two spaces under its folder`);
    parents.length = depth;
    const path = [...parents, entry[2]!].join('');
    parents.push(entry[2]!);
    folders.push(path);
  }
  return folders;
}

/** Every folder under `roots` of `projectDir`, the roots themselves included, down to `depth` levels below them (dot-folders left out). */
export function foldersOnDisk(projectDir: string, roots: readonly string[], depth: number): string[] {
  const below = (path: string, levels: number): string[] =>
    levels === 0
      ? []
      : readdirSync(join(projectDir, path), { withFileTypes: true })
          .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules')
          .flatMap((entry) => [`${path}${entry.name}/`, ...below(`${path}${entry.name}/`, levels - 1)]);
  return roots.flatMap((root) => [root, ...below(root, depth)]);
}
