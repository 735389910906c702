import { parseIdList } from '../../src/cli/batch';

test('one conversion per line: audioId, "audioId taskId", "audioId,taskId", ",taskId"; blanks and comments skipped', () => {
  expect(parseIdList('# header\r\na\n\n  b  t-b \nc, t-c\n,t-d\n   # indented comment\n')).toEqual([
    { line: 2, request: { audioId: 'a' } },
    { line: 4, request: { audioId: 'b', taskId: 't-b' } },
    { line: 5, request: { audioId: 'c', taskId: 't-c' } },
    { line: 6, request: { taskId: 't-d' } },
  ]);
});

test('a line with more fields, or only a comma, is refused naming it', () => {
  expect(() => parseIdList('a\nb c d\n')).toThrow(/^line 2: /);
  expect(() => parseIdList(',\n')).toThrow(/^line 1: /);
  expect(parseIdList('# only comments\n\n')).toEqual([]);
});
