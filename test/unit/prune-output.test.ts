import { staleFiles } from '../../scripts/prune-output';

describe('after a build, compiled files whose source is gone', () => {
  const sources = new Set(['cli.ts', 'config/index.ts', 'config/config.ts', 'legacy.js']);
  const exists = (source: string) => sources.has(source);

  test('are found: a file that became a folder leaves its old .js and map behind', () => {
    const compiled = ['cli.js', 'cli.js.map', 'config.js', 'config.js.map', 'config/index.js', 'config/config.js', 'legacy.js'];
    expect(staleFiles({ compiled, exists })).toEqual(['config.js', 'config.js.map']);
  });

  test("leave alone what is not compiled output, and the folders another build writes", () => {
    const compiled = ['build-info.json', 'bench/bench/pipeline.js', 'scripts/scripts/check-commands.js', 'gone.js'];
    expect(staleFiles({ compiled, keep: ['bench', 'scripts'], exists })).toEqual(['gone.js']);
  });
});
