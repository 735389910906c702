#!/usr/bin/env node
'use strict';
/**
 * After a build: removes compiled files whose TypeScript source is gone. tsc writes what exists
 * and never removes what a moved or deleted source left behind, and Node resolves `../config` to a
 * stale `config.js` before the `config/index.js` that replaced it: a checkout that pulled a
 * reorganisation would run old code, or crash on it. Removing the whole output instead would pull
 * files from under processes that run from it (`.ci/run` builds the cluster's binaries with
 * `dist/cli.js` while the tests rebuild), so only what no source stands behind goes.
 *
 * `node scripts/prune-output.js <outDir> <rootDir> [--keep <subdir>]...`: `outDir` as tsc wrote it
 * from `rootDir`; `--keep` names folders of `outDir` that another build writes.
 */
const fs = require('node:fs');
const path = require('node:path');

const COMPILED = /\.js(\.map)?$/;

/**
 * The compiled files under `outDir` whose source under `rootDir` is gone, as paths relative to
 * `outDir`. `exists` is asked about each source (`.ts`, or `.js` for sources that are JavaScript).
 * @param {{ compiled: string[]; keep?: string[]; exists: (relativeSource: string) => boolean }} input
 * @returns {string[]}
 */
function staleFiles({ compiled, keep = [], exists }) {
  return compiled.filter((file) => {
    if (!COMPILED.test(file)) return false;
    if (keep.some((dir) => file === dir || file.startsWith(`${dir}/`))) return false;
    const base = file.replace(COMPILED, '');
    return !exists(`${base}.ts`) && !exists(`${base}.js`);
  });
}

/**
 * Every file under `dir`, relative to it, with `/` separators.
 * @param {string} dir
 * @param {string} [prefix]
 * @returns {string[]}
 */
function filesUnder(dir, prefix = '') {
  const entries = fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : [];
  return entries.flatMap((entry) => {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? filesUnder(path.join(dir, entry.name), relative) : [relative];
  });
}

function main() {
  const [outDir, rootDir, ...rest] = process.argv.slice(2);
  if (!outDir || !rootDir) {
    console.error('usage: node scripts/prune-output.js <outDir> <rootDir> [--keep <subdir>]...');
    process.exit(2);
  }
  const keep = rest.filter((_, i) => rest[i - 1] === '--keep');
  const stale = staleFiles({ compiled: filesUnder(outDir), keep, exists: (source) => fs.existsSync(path.join(rootDir, source)) });
  for (const file of stale) fs.rmSync(path.join(outDir, file), { force: true });
  if (stale.length > 0) console.log(`removed ${stale.length} compiled file(s) whose source is gone from ${outDir}`);
}

module.exports = { staleFiles };
if (require.main === module) main();
