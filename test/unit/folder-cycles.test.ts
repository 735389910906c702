import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { cycles, describeCycle, folderGraph, type FolderGraph } from '../support/folder-graph';

/**
 * The layers of src/ form no loop: a folder (or a file directly in src/) that imports another is
 * never imported back by it, not even through others, not even for types. On failure the message
 * names every import on the loop; move the shared piece to the layer both depend on (e.g. an
 * activity's input and output types to src/activities/types.ts).
 */
test('no import cycle between the folders of src/', () => {
  const graph = folderGraph(resolve(__dirname, '../../src'));
  expect(graph.size).toBeGreaterThan(10);
  expect(cycles(graph).map((members) => describeCycle(graph, members))).toEqual([]);
});

test('a loop through type imports and re-exports is found, with the imports that make it', () => {
  const graph: FolderGraph = new Map([
    ['activities', new Map([['workflows', [{ file: 'src/activities/download.ts', specifier: '../workflows' }]], ['wav', [{ file: 'src/activities/download.ts', specifier: '../wav' }]]])],
    ['workflows', new Map([['activities', [{ file: 'src/workflows/convert-to-wav.ts', specifier: '../activities' }]]])],
    ['wav', new Map<string, never[]>()],
  ]);
  expect(cycles(graph)).toEqual([['activities', 'workflows']]);
  expect(describeCycle(graph, ['activities', 'workflows'])).toBe(
    "activities → workflows: src/activities/download.ts imports '../workflows'\nworkflows → activities: src/workflows/convert-to-wav.ts imports '../activities'",
  );
});

test('every folder of src/ has an index.ts, its face', () => {
  const src = resolve(__dirname, '../../src');
  const folders = readdirSync(src, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  expect(folders.length).toBeGreaterThan(10);
  expect(folders.filter((folder) => !existsSync(resolve(src, folder, 'index.ts')))).toEqual([]);
});
