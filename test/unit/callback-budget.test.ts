import { CallbackBudget } from '../../src/server/callback-budget';

/** The receiver's per-conversion callback budget, on a clock the test moves. */
function budget(burst = 3, refillSeconds = 60, maxTracked = 1_000) {
  let now = 1_000_000;
  const b = new CallbackBudget({ burst, refillSeconds }, maxTracked, () => now);
  return { b, advance: (seconds: number) => (now += seconds * 1000) };
}

test('a conversion gets its burst at once, then a refusal that says when to come back', () => {
  const { b } = budget(3, 60);
  expect([b.take('a'), b.take('a'), b.take('a')]).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
  expect(b.take('a')).toEqual({ ok: false, retryAfterSeconds: 60 });
});

test('one callback comes back per refill period, never more than the burst', () => {
  const { b, advance } = budget(3, 60);
  for (let i = 0; i < 3; i++) b.take('a');
  advance(30);
  expect(b.take('a')).toEqual({ ok: false, retryAfterSeconds: 30 });
  advance(30);
  expect(b.take('a')).toEqual({ ok: true });
  expect(b.take('a')).toMatchObject({ ok: false });
  // A long quiet spell refills up to the burst, not beyond.
  advance(3_600);
  expect([b.take('a'), b.take('a'), b.take('a'), b.take('a')].map((r) => r.ok)).toEqual([true, true, true, false]);
});

test('refusals do not use up the budget: the next token comes on time', () => {
  const { b, advance } = budget(1, 10);
  b.take('a');
  for (let i = 0; i < 100; i++) expect(b.take('a').ok).toBe(false);
  advance(10);
  expect(b.take('a').ok).toBe(true);
});

test('each conversion has its own budget', () => {
  const { b } = budget(2);
  b.take('a');
  b.take('a');
  expect(b.take('a').ok).toBe(false);
  expect(b.take('b').ok).toBe(true);
});

test("the provider's worst case fits the default budget: 3 copies, each sent 4 times", () => {
  const { b, advance } = budget(10, 60);
  const answers: boolean[] = [];
  // At once, then retries after 1, 5 and 15 minutes (each copy refused every time).
  for (const wait of [0, 60, 300, 900]) {
    advance(wait);
    for (let copy = 0; copy < 3; copy++) answers.push(b.take('a').ok);
  }
  expect(answers.every(Boolean)).toBe(true);
});

test('memory is bounded: thousands of conversions, the least recently seen forgotten first', () => {
  const { b } = budget(1, 60, 1_000);
  b.take('busy');
  for (let i = 0; i < 5_000; i++) {
    b.take(`conversion-${i}`);
    // Seen again and again: never the least recent.
    if (i % 100 === 0) expect(b.take('busy').ok).toBe(false);
  }
  expect(b.tracked).toBe(1_000);
  // Forgotten, so a fresh budget; the busy one is still remembered and still spent.
  expect(b.take('conversion-0').ok).toBe(true);
  expect(b.take('busy').ok).toBe(false);
  expect(b.tracked).toBe(1_000);
});
