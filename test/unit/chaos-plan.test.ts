import { makePlan } from '../../bench/chaos/plan';

const options = { seed: 42, conversions: 200, workerKills: 3, httpRestarts: 1, temporalRestarts: 1 };

test('one seed gives one fault plan', () => {
  expect(makePlan(options)).toEqual(makePlan(options));
  expect(makePlan({ ...options, seed: 43 })).not.toEqual(makePlan(options));
});

test('the shares are exact counts', () => {
  const { items } = makePlan(options);
  const count = (pred: (i: (typeof items)[number]) => boolean) => items.filter(pred).length;
  expect(count((i) => i.callback === 'drop')).toBe(60);
  expect(count((i) => i.callback === 'triple')).toBe(40);
  expect(count((i) => i.callback === 'receiver-down')).toBe(20);
  expect(count((i) => i.download === 'cut')).toBe(20);
  expect(count((i) => i.download === 'expired')).toBe(10);
  expect(count((i) => i.download === 'provider-failure' && i.failure !== undefined)).toBe(10);
});

test('every planned fault happens once, in order of its moment', () => {
  const { events } = makePlan(options);
  expect(events.map((e) => e.kind).sort()).toEqual(['http-restart', 'temporal-restart', 'worker-kill', 'worker-kill', 'worker-kill']);
  expect(events.map((e) => e.afterShare)).toEqual([...events.map((e) => e.afterShare)].sort((a, b) => a - b));
  for (const e of events) expect(e.afterShare).toBeGreaterThan(0);
});

test("a cluster's faults are planned after the others, leaving a seed's plan without them as it was", () => {
  const cluster = makePlan({ ...options, temporalRestarts: 0, historyNodeKills: 1, temporalKills: 1, postgresRestarts: 1 });
  const { events } = cluster;
  expect(events.map((e) => e.kind).sort()).toEqual(['history-node-kill', 'http-restart', 'postgres-restart', 'temporal-kill', 'worker-kill', 'worker-kill', 'worker-kill']);
  expect(events.find((e) => e.kind === 'history-node-kill')?.node).toBeLessThanOrEqual(1);
  expect(makePlan({ ...options, historyNodeKills: 0, temporalKills: 0, postgresRestarts: 0 })).toEqual({ ...makePlan(options), historyNodeKills: 0, temporalKills: 0, postgresRestarts: 0 });
  expect(cluster.items).toEqual(makePlan(options).items);
});
