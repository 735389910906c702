import { StatusCache } from '../../src/conversions';
import type { ConversionStatus } from '../../src/workflows';

const status = (polls: number) => ({ conversionId: 'c', phase: 'waiting', polls }) as ConversionStatus;
const key = { runId: 'r1', phase: 'waiting' as const, historyLength: 10 };

function cacheAt(start = 0) {
  const clock = { now: start };
  return { cache: new StatusCache(2, () => clock.now), clock };
}

test('an answer is reused while the run, the phase and the history are unchanged, however old', () => {
  const { cache, clock } = cacheAt();
  cache.set('c', key, status(1));
  clock.now += 3_600_000;
  expect(cache.get('c', key)?.status.polls).toBe(1);
});

test('within a phase a grown history keeps the answer, unless the caller wants it younger than a max age', () => {
  const { cache, clock } = cacheAt();
  cache.set('c', key, status(1));
  const grown = { ...key, historyLength: 14 };
  clock.now += 59_999;
  expect(cache.get('c', grown)?.status.polls).toBe(1);
  expect(cache.get('c', grown, 60_000)?.status.polls).toBe(1);
  clock.now += 1;
  expect(cache.get('c', grown, 60_000)).toBeUndefined();
  expect(cache.get('c', key, 60_000)?.status.polls).toBe(1);
  expect(cache.get('c', grown)?.status.polls).toBe(1);
});

test('a new phase or a new run always asks again', () => {
  const { cache } = cacheAt();
  cache.set('c', key, status(1));
  expect(cache.get('c', { ...key, phase: 'downloading' })).toBeUndefined();
  expect(cache.get('c', { ...key, runId: 'r2' })).toBeUndefined();
  expect(cache.get('other', key)).toBeUndefined();
});

test('it holds at most maxEntries, forgetting the least recently used', () => {
  const { cache } = cacheAt();
  cache.set('a', key, status(1));
  cache.set('b', key, status(2));
  cache.get('a', key);
  cache.set('c', key, status(3));
  expect(cache.get('b', key)).toBeUndefined();
  expect(cache.get('a', key)?.status.polls).toBe(1);
  expect(cache.get('c', key)?.status.polls).toBe(3);
});
