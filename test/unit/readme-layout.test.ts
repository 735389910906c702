import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { documentedFolders, foldersOnDisk } from '../support/readme-layout';

const projectDir = resolve(__dirname, '../..');
/** The folders the README's Layout section describes, and how deep. */
const ROOTS = ['src/', 'test/', 'bench/', 'scripts/'];
const DEPTH = 2;

test("the README's Layout section lists every folder, and only folders that exist", () => {
  const documented = documentedFolders(readFileSync(resolve(projectDir, 'README.md'), 'utf8'));
  const onDisk = foldersOnDisk(projectDir, ROOTS, DEPTH);
  // On failure: add a line for each folder under "not listed" to README.md's Layout section (what
  // the folder is, in a few words), and remove each line under "listed, missing".
  expect({ 'not listed': onDisk.filter((folder) => !documented.includes(folder)).sort(), 'listed, missing': documented.filter((folder) => !onDisk.includes(folder)).sort() }).toEqual({
    'not listed': [],
    'listed, missing': [],
  });
});

test('the layout tree is read by indentation; descriptions and their continuation lines are not folders', () => {
  const readme = [
    '<!-- layout:start -->',
    '```',
    'src/',
    '  cli.ts         the executable',
    '  workflows/     convertToWav, its messages',
    '                 and answers/ tables',
    'test/',
    '  support/       harness',
    '    scenarios/   doubles',
    '  unit/',
    '```',
    '<!-- layout:end -->',
  ].join('\n');
  expect(documentedFolders(readme)).toEqual(['src/', 'src/workflows/', 'test/', 'test/support/', 'test/support/scenarios/', 'test/unit/']);
  expect(() => documentedFolders(readme.replace('    scenarios/', '      scenarios/'))).toThrow(/indented/);
  expect(() => documentedFolders('no section')).toThrow(/layout:start/);
});
