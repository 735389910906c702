import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { MANIFEST_FILE, writeManifest } from './manifest';

/**
 * test/fixtures/histories/<release>/: one folder per release, written once by the recorder and
 * never again. `pre-0.1.0` holds histories recorded before releases existed.
 */
export const HISTORIES_DIR = findHistoriesDir(__dirname);

/** Found by walking up, so scripts compiled under dist/ write to the same folders. */
function findHistoriesDir(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'test/fixtures/histories');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return resolve(from, '../../fixtures/histories');
  }
}

const SEMVER = /^(\d+)\.(\d+)\.(\d+)$/;

/** Release folders, oldest first: non-version folders (pre-0.1.0) before versions, versions by number. */
export function listReleases(dir = HISTORIES_DIR): string[] {
  const entries = readdirSync(dir, { withFileTypes: true });
  const names = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  return names.sort(compareReleases);
}

export function compareReleases(a: string, b: string): number {
  const [va, vb] = [SEMVER.exec(a), SEMVER.exec(b)];
  if (!va || !vb) return va ? 1 : vb ? -1 : a.localeCompare(b);
  for (let i = 1; i <= 3; i++) {
    const diff = Number(va[i]) - Number(vb[i]);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** The newest version folder: the release whose commands the guard compares against. */
export function latestRelease(dir = HISTORIES_DIR): string | undefined {
  return listReleases(dir).filter((name) => SEMVER.test(name)).pop();
}

/** Every file of a release folder by name (the manifest included). */
export async function readReleaseFiles(release: string, dir = HISTORIES_DIR): Promise<Map<string, Buffer>> {
  const folder = join(dir, release);
  const names = (await readdir(folder)).sort();
  return new Map(await Promise.all(names.map(async (name) => [name, await readFile(join(folder, name))] as const)));
}

/** The JSON histories of a release folder by file name. */
export async function readReleaseHistories(release: string, dir = HISTORIES_DIR): Promise<Map<string, unknown>> {
  const files = await readReleaseFiles(release, dir);
  return new Map([...files].filter(([name]) => name.endsWith('.json')).map(([name, content]) => [name, JSON.parse(content.toString('utf8')) as unknown]));
}

/**
 * Writes a release folder with its manifest, all or nothing. Refuses when the folder exists:
 * frozen histories are never overwritten (a new release gets a folder of its own).
 */
export async function freezeRelease(release: string, files: ReadonlyMap<string, string>, dir = HISTORIES_DIR): Promise<string> {
  const folder = join(dir, release);
  if (existsSync(folder)) throw new Error(`${folder} exists: histories of a release are frozen; record a new release instead`);
  if (files.has(MANIFEST_FILE)) throw new Error(`${MANIFEST_FILE} is written by the recorder`);
  const partial = join(dir, `.${release}.partial-${process.pid}`);
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  for (const [name, content] of files) await writeFile(join(partial, name), content);
  await writeFile(join(partial, MANIFEST_FILE), writeManifest(files));
  if (existsSync(folder)) throw new Error(`${folder} appeared while recording; not overwriting it`);
  await rename(partial, folder);
  return folder;
}
