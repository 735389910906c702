import fc from 'fast-check';
import { conversionInputSchema } from '../../src/conversions/input-schema';
import { callbackSchema } from '../../src/provider/schemas';
import { readCallbackBody } from '../../src/workflows/callback-body';
import { checkCarried } from '../../src/workflows/carried-status';
import { initialStatus } from '../../src/workflows/conversion-state';
import { checkInput } from '../../src/workflows/input';
import type { ConversionStatus } from '../../src/workflows/messages';
import { carriedDownloadSchema, carriedStatusSchema } from '../support/carried-status-schema';

/**
 * The workflow checks what reaches it (its input, callback signals, a carried state) without zod,
 * which costs too much inside the workflow sandbox (bench/README.md). These properties hold each
 * check to the zod schema of the same rule: the API's request schema, the receiver's callback
 * schema, and the carried state's former schema. Same verdict, and the same value read, for values
 * near every edge of the rules and for anything at all.
 */

const RUNS = 3_000;

/** `agrees` holds for every value `values` makes. */
const holds = (values: fc.Arbitrary<unknown>, agrees: (value: unknown) => void) => fc.assert(fc.property(values, agrees), { numRuns: RUNS });

const edgyNumber = fc.oneof(
  fc.constantFrom(0, -0, -1, 1, 19, 20, 999, 1_000, 4_999, 5_000, 5_000.5, 10_000, 10_001, 600_000, 600_001, 3_600_000, 3_600_001, 604_800_000, 604_800_001),
  fc.constantFrom(NaN, Infinity, -Infinity, 2 ** 53, -(2 ** 53), 2 ** 53 - 1, 1e21),
  fc.integer(),
  fc.double(),
);
const edgyText = fc.oneof(fc.constantFrom('', 'a', 'a1', 'a b', 'a/b', 'wav-1:2.3_4', 'x'.repeat(100), 'x'.repeat(101), 'x'.repeat(200), 'x'.repeat(201), 'ü', '200', '0', ' 1'), fc.string({ maxLength: 12 }));
const anyValue = fc.oneof(edgyNumber, edgyText, fc.boolean(), fc.constant(null), fc.constant(undefined), fc.anything({ maxDepth: 1 }));
/** Mostly a value the rule takes, sometimes anything: records then often differ from a good one in one field alone. */
const mostly = (good: fc.Arbitrary<unknown>, odd: fc.Arbitrary<unknown> = anyValue) => fc.oneof({ arbitrary: good, weight: 6 }, { arbitrary: odd, weight: 1 });

describe('the workflow input: the same verdict as the API schema', () => {
  const field = (values: fc.Arbitrary<unknown>) => mostly(values, fc.oneof(edgyNumber, edgyText, anyValue));
  const inputLike = fc.record(
    {
      taskId: field(fc.constantFrom('t1', 'task:1.2-3')),
      audioId: field(fc.constantFrom('a1', 'x'.repeat(200))),
      pollIntervalMs: field(fc.integer({ min: 4_000, max: 3_700_000 })),
      deadlineMs: field(fc.integer({ min: 0, max: 700_000_000 })),
      confirmCallbacks: field(fc.boolean()),
      historyEventLimit: field(fc.integer({ min: 0, max: 11_000 })),
      downloadHeartbeatTimeoutMs: field(fc.integer({ min: 0, max: 3_700_000 })),
      providerCallTimeoutMs: field(fc.integer({ min: 0, max: 700_000 })),
      startedBy: field(fc.string({ maxLength: 110 })),
      carried: anyValue,
      extra: anyValue,
    },
    { requiredKeys: [] },
  );

  test.each([
    ['inputs near every bound', inputLike],
    ['anything at all', fc.anything()],
  ] as const)('%s', (_what, values) => {
    holds(values as fc.Arbitrary<unknown>, (value) => expect(checkInput(value).ok).toBe(conversionInputSchema.safeParse(value).success));
  });
});

const urlLike = fc.constantFrom(
  'https://files.example.test/a.wav',
  'http://files.example.test/a.wav',
  'HTTPS://FILES.EXAMPLE.TEST/A.WAV',
  ' https://files.example.test/a.wav\n',
  'https://files.exa\tmple.test/a\r\n.wav',
  'https://user:pw@files.example.test:8443/a.wav?x=1#y',
  'https://[::1]/a.wav',
  'https://',
  'https:/files.example.test/a.wav',
  'http:files.example.test',
  'ftp://files.example.test/a.wav',
  'javascript:alert(1)',
  'file:///etc/passwd',
  'not a url',
  '',
);

describe('a callback signal: the same answer as the receiver schema', () => {
  const text = fc.oneof(fc.constantFrom('t1', 'task-2'), anyValue);
  const url = fc.oneof(urlLike, urlLike, anyValue);
  const callbackLike = fc.record(
    {
      code: fc.oneof(fc.constantFrom(200, 400, 451, 500, '200', '451', '', 'x', ' 200', '-1', '2.5', '99999999999999999999'), anyValue),
      msg: fc.oneof(fc.constantFrom('success', ''), anyValue),
      data: fc.oneof(fc.record({ task_id: text, taskId: text, audioWavUrl: url, audio_wav_url: url, callbackType: anyValue }, { requiredKeys: [] }), anyValue),
    },
    { requiredKeys: [] },
  );

  test.each([
    ['callbacks in every documented variant and near them', callbackLike],
    ['anything at all', fc.anything()],
  ] as const)('%s', (_what, values) => {
    holds(values as fc.Arbitrary<unknown>, (value) => {
      const ours = readCallbackBody(value);
      const receiver = callbackSchema.safeParse(value);
      expect(ours.ok).toBe(receiver.success);
      if (ours.ok && receiver.success) expect(ours.value).toEqual(receiver.data);
    });
  });
});

describe('a carried state: the same verdict and the same state as its former schema', () => {
  const START = new Date('2026-11-30T10:00:00.000Z');
  const continued = { workflowId: 'wav-a1', continuedFromExecutionRunId: 'run-1' };
  const at = START.toISOString();
  const base: ConversionStatus = {
    ...initialStatus({ audioId: 'a1' }, 'wav-a1', START),
    phase: 'downloading',
    phases: [
      { phase: 'submitting', at },
      { phase: 'waiting', at },
      { phase: 'downloading', at },
    ],
    wavTaskId: 'wav-task',
    ignoredCallbacks: [{ reason: 'other-task', taskId: 'x', code: 200, msg: '', at }],
    malformedCallbacks: [{ body: '{}', error: 'data: required', at }],
  };

  const instantLike = fc.constantFrom(
    at,
    '2024-02-29T00:00:00Z',
    '2000-02-29T23:59:59.5Z',
    '2026-02-29T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-11-30T24:00:00Z',
    '2026-11-30T10:00Z',
    '2026-11-30T10:00:00+01:00',
    '2026-11-30 10:00:00Z',
    '2026-11-30T10:00:00.Z',
    'tomorrow',
  );
  const value = mostly(fc.constant(at), fc.oneof(instantLike, anyValue));
  const count = mostly(fc.constantFrom(0, 1, 3), fc.oneof(fc.constantFrom(4, -1, 1.5, 2 ** 53), anyValue));
  const phase = mostly(fc.constantFrom('submitting', 'waiting', 'downloading'), fc.oneof(fc.constantFrom('completed', 'done'), anyValue));
  const item = fc.oneof(
    fc.record({ phase, at: value }, { requiredKeys: [] }),
    fc.record({ reason: fc.oneof(fc.constantFrom('other-task', 'after-outcome', 'no-url', 'bored'), anyValue), taskId: anyValue, code: anyValue, msg: anyValue, at: value }, { requiredKeys: [] }),
    fc.record({ body: fc.oneof(fc.constantFrom('{}', 'x'.repeat(64 * 1024 + 1)), anyValue), error: anyValue, at: value, extra: anyValue }, { requiredKeys: [] }),
    anyValue,
  );
  const list = mostly(fc.array(item, { maxLength: 4 }), fc.oneof(fc.constant(Array.from({ length: 101 }, () => ({ reason: 'no-url', at }))), anyValue));
  const overrides = fc.record(
    {
      conversionId: value,
      phase,
      phases: list,
      taskId: value,
      wavTaskId: value,
      adopted: value,
      callbacks: mostly(fc.record({ received: count, duplicates: count, mismatched: count, withoutUrl: count, malformed: count })),
      ignoredCallbacks: list,
      malformedCallbacks: list,
      polls: count,
      urlRefreshes: count,
      runs: count,
      startedAt: value,
      deadlineAt: value,
      nextPollAt: value,
      answeredBy: mostly(fc.constantFrom('callback', 'poll'), fc.oneof(fc.constant('email'), anyValue)),
      completedAt: value,
      result: anyValue,
      somethingNew: anyValue,
    },
    { requiredKeys: [] },
  );

  test.each([
    ['states near every rule', overrides.map((o) => ({ ...base, ...o }))],
    ['anything at all', fc.anything()],
  ] as const)('%s', (_what, values) => {
    holds(values as fc.Arbitrary<unknown>, (carried) => {
      const ours = checkCarried({ carried }, continued);
      const former = carriedStatusSchema.safeParse(carried);
      expect(ours.ok).toBe(former.success);
      if (ours.ok && former.success) expect(ours.status).toEqual({ ...former.data, conversionId: continued.workflowId });
    });
  });

  test('a time, alone wrong or right', () => {
    const pad = (n: number, width: number) => String(n).padStart(width, '0');
    const dayLike = fc.tuple(fc.integer({ min: 0, max: 2_400 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 })).map(([y, m, d]) => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}T12:34:56Z`);
    const times = fc.oneof(instantLike, dayLike, fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string({ maxLength: 30 }));
    holds(times, (startedAt) => {
      const carried = { ...base, startedAt };
      expect(checkCarried({ carried }, continued).ok).toBe(carriedStatusSchema.safeParse(carried).success);
    });
  });

  test('a carried download', () => {
    // Absent, it is no download at all (tested with the carried state above).
    const downloads = fc.oneof(fc.record({ url: fc.oneof(urlLike, anyValue), resume: anyValue, extra: anyValue }, { requiredKeys: [] }), anyValue).filter((d) => d !== undefined);
    holds(downloads, (carriedDownload) => {
      const ours = checkCarried({ carried: base, carriedDownload }, continued);
      const former = carriedDownloadSchema.safeParse(carriedDownload);
      expect(ours.ok).toBe(former.success);
      if (ours.ok && former.success) expect(ours.download).toEqual(former.data);
    });
  });
});
