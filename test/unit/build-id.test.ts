import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeBuild, resolveBuildId } from '../../src/versioning';

/** A build without .git (a Docker image) still gets an id that changes exactly when its code does. */
let dir: string;
const saved = process.env.GIT_COMMIT;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wavflow-build-id-'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ version: '1.2.3' }));
  await mkdir(join(dir, 'dist/workflows'), { recursive: true });
  await writeFile(join(dir, 'dist/workflows/index.js'), 'exports.a = 1;');
  delete process.env.GIT_COMMIT;
});
afterEach(async () => {
  if (saved === undefined) delete process.env.GIT_COMMIT;
  else process.env.GIT_COMMIT = saved;
  await rm(dir, { recursive: true, force: true });
});

test('the GIT_COMMIT build argument names the commit', () => {
  process.env.GIT_COMMIT = '0123456789abcdef0123';
  expect(describeBuild(dir, join(dir, 'dist'))).toEqual({ version: '1.2.3', source: '0123456789ab' });
});

test('without git or GIT_COMMIT, a hash of the code: same code same id, other code another id', async () => {
  const first = describeBuild(dir, join(dir, 'dist'));
  expect(first.source).toMatch(/^code\.[0-9a-f]{12}$/);
  expect(describeBuild(dir, join(dir, 'dist'))).toEqual(first);
  await writeFile(join(dir, 'dist/workflows/index.js'), 'exports.a = 2;');
  expect(describeBuild(dir, join(dir, 'dist')).source).not.toBe(first.source);
});

test('WORKER_BUILD_ID wins; otherwise dist/build-info.json written at build time', async () => {
  expect(resolveBuildId('my-build', join(dir, 'dist'))).toBe('my-build');
  await writeFile(join(dir, 'dist/build-info.json'), JSON.stringify({ version: '1.2.3', source: 'abc123' }));
  expect(resolveBuildId(undefined, join(dir, 'dist'))).toBe('1.2.3+abc123');
});
