import { readCallbackSignal, readCallbackSignalAsBefore, readMalformedSignal } from '../../src/workflows/signals';

/** Signals are read, never trusted: whatever arrives is a callback or a malformed one, and nothing throws. */

const URL_A = 'https://files.example.com/a.wav';

describe('providerCallback', () => {
  test("the receiver's normalized callback is read as it is", () => {
    expect(readCallbackSignal({ taskId: 't1', code: 200, msg: 'success', audioWavUrl: URL_A })).toEqual({
      ok: true,
      callback: { taskId: 't1', code: 200, msg: 'success', audioWavUrl: URL_A },
    });
  });

  test("the provider's raw body is understood as that callback", () => {
    expect(readCallbackSignal({ code: 200, msg: 'success', data: { task_id: 't1', audio_wav_url: URL_A, callbackType: 'complete' } })).toEqual({
      ok: true,
      callback: { taskId: 't1', code: 200, msg: 'success', audioWavUrl: URL_A },
    });
    expect(readCallbackSignal({ code: '451', data: { taskId: 't1' } })).toEqual({ ok: true, callback: { taskId: 't1', code: 451, msg: '' } });
  });

  test.each([
    [null, '(signal)'],
    [[], '(signal)'],
    ['text', '(signal)'],
    [7, '(signal)'],
    [{}, 'signal.'],
    [{ taskId: 't1' }, 'signal.code'],
    [{ taskId: 't1', code: 'two hundred' }, 'signal.code'],
    [{ taskId: 't1', code: 200, audioWavUrl: 'file:///etc/passwd' }, 'signal.data.audioWavUrl'],
    [{ code: 200, data: 'x' }, 'signal.data'],
    [{ code: 200, data: {} }, 'signal.data.task_id'],
  ])('%j is malformed (%s)', (value, field) => {
    const read = readCallbackSignal(value);
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.malformed.error.startsWith(field)).toBe(true);
    expect(read.malformed.body).toBe(JSON.stringify(value));
  });

  test('what is kept of a huge signal is bounded', () => {
    const read = readCallbackSignal({ taskId: 1, msg: 'x'.repeat(100_000) });
    expect(read.ok ? '' : read.malformed.body).toHaveLength(1024);
  });

  test('as before 0.2: any object as it came, and anything else malformed', () => {
    const raw = { code: 200, data: { task_id: 't1' } };
    expect(readCallbackSignalAsBefore(raw)).toEqual({ ok: true, callback: raw });
    expect(readCallbackSignalAsBefore(null)).toEqual({ ok: false, malformed: { body: 'null', error: '(signal): expected a callback object' } });
    expect(readCallbackSignalAsBefore([raw]).ok).toBe(false);
  });

  test('a signal with no payload at all is malformed, and kept as "undefined"', () => {
    expect(readCallbackSignal(undefined)).toEqual({ ok: false, malformed: { body: 'undefined', error: '(signal): expected a callback object' } });
  });

  test('what JSON cannot write (a BigInt from another SDK, a cycle) is still kept as text, bounded', () => {
    const big = 10n ** 2000n;
    expect(readCallbackSignal(big)).toEqual({ ok: false, malformed: { body: String(big).slice(0, 1024), error: '(signal): expected a callback object' } });
    const cyclic: Record<string, unknown> = { taskId: 't1' };
    cyclic.self = cyclic;
    const read = readCallbackSignal(cyclic);
    expect(read).toMatchObject({ ok: false, malformed: { body: '[object Object]', error: expect.stringMatching(/^signal\.code: /) as unknown } });
  });
});

describe('malformedCallback', () => {
  test("the receiver's { body, error } is read as it is", () => {
    expect(readMalformedSignal({ body: '{"code":200}', error: 'data: required' })).toEqual({ malformed: { body: '{"code":200}', error: 'data: required' }, readable: true });
  });

  test.each([{}, null, { body: 1, error: 'e' }, { body: 'b' }, 'text'])('%j is kept as text, and flagged', (value) => {
    const { malformed, readable } = readMalformedSignal(value);
    expect(readable).toBe(false);
    expect(malformed.body).toBe(JSON.stringify(value));
    expect(malformed.error).toMatch(/^\(signal\): /);
  });
});
