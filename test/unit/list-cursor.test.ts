import { cursorKey, openCursor, sealCursor } from '../../src/server/list-cursor';

const key = cursorKey('a-server-secret-of-some-length');
const query = "WorkflowType = 'convertToWav' AND WavStatus = 'completed'";
const token = Buffer.from('{"CloseTime":"2026-11-30T09:00:00Z","RunID":"r"}');

test('a cursor the API sealed opens to the same token, for the same query', () => {
  const cursor = sealCursor(token, query, key);
  expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
  expect(Buffer.from(openCursor(cursor, query, key) ?? [])).toEqual(token);
});

test('bogus, tampered, truncated, or foreign cursors do not open', () => {
  const cursor = sealCursor(token, query, key);
  const flipped = Buffer.from(cursor, 'base64url');
  flipped[0] = (flipped[0] ?? 0) ^ 1;
  expect(openCursor('AAAA', query, key)).toBeUndefined();
  expect(openCursor('', query, key)).toBeUndefined();
  expect(openCursor(flipped.toString('base64url'), query, key)).toBeUndefined();
  expect(openCursor(cursor.slice(0, -4), query, key)).toBeUndefined();
  expect(openCursor(`${cursor}A`, query, key)).toBeUndefined();
  // The same token for another filter, or sealed by a server with another secret.
  expect(openCursor(cursor, "WorkflowType = 'convertToWav'", key)).toBeUndefined();
  expect(openCursor(cursor, query, cursorKey('another-secret-entirely'))).toBeUndefined();
});
