import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { manifestDifferences, MANIFEST_FILE, parseManifest, writeManifest } from '../support/histories/manifest';
import { compareReleases, freezeRelease, HISTORIES_DIR, listReleases, readReleaseFiles } from '../support/histories/releases';

/** Frozen means frozen: a history of a released version never changes once committed. */
const folders = [
  ...listReleases().map((release) => ({ dir: HISTORIES_DIR, release })),
  ...listReleases(resolve(__dirname, '../fixtures/known-breaks')).map((release) => ({ dir: resolve(__dirname, '../fixtures/known-breaks'), release })),
];

test.each(folders)('$release: every file matches the SHA256SUMS committed with it', async ({ dir, release }) => {
  const files = await readReleaseFiles(release, dir);
  const manifest = files.get(MANIFEST_FILE);
  expect(manifest).toBeDefined();
  files.delete(MANIFEST_FILE);
  expect(manifestDifferences(parseManifest(String(manifest)), files)).toEqual([]);
});

describe('the manifest notices', () => {
  const frozen = new Map([
    ['a.json', '{"events":[]}'],
    ['b.json', '{"events":[1]}'],
  ]);
  const manifest = parseManifest(writeManifest(frozen));

  test('nothing when nothing changed', () => expect(manifestDifferences(manifest, frozen)).toEqual([]));
  test('a changed file', () => expect(manifestDifferences(manifest, new Map([...frozen, ['a.json', '{"events":[] }']]))).toEqual(['a.json: changed since it was frozen']));
  test('a removed file', () => expect(manifestDifferences(manifest, new Map([['b.json', '{"events":[1]}']]))).toEqual(['a.json: listed but missing']));
  test('an added file', () => expect(manifestDifferences(manifest, new Map([...frozen, ['c.json', '{}']]))).toEqual(['c.json: added to a frozen folder']));
  test('a line that is not a checksum', () => expect(() => parseManifest('not a sum  a.json\n')).toThrow(/not a checksum line/));
});

test('releases sort by version, folders of older histories first', () => {
  expect(['0.10.0', '0.2.0', 'pre-0.1.0', '0.1.0', '1.0.0'].sort(compareReleases)).toEqual(['pre-0.1.0', '0.1.0', '0.2.0', '0.10.0', '1.0.0']);
});

test('the recorder refuses to write into a release folder that exists', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wavflow-frozen-'));
  try {
    const folder = await freezeRelease('9.9.9', new Map([['x.json', '{}']]), dir);
    expect(await readFile(join(folder, MANIFEST_FILE), 'utf8')).toMatch(/^[0-9a-f]{64} {2}x\.json\n$/);
    await expect(freezeRelease('9.9.9', new Map([['x.json', '{"changed":true}']]), dir)).rejects.toThrow(/frozen/);
    expect(await readFile(join(folder, 'x.json'), 'utf8')).toBe('{}');
    expect(existsSync(join(dir, '.9.9.9.partial-' + process.pid))).toBe(false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
