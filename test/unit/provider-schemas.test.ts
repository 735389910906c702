import { envelopeSchema, parseCallback, parseRecord, submitDataSchema } from '../../src/provider/schemas';
import type { ProviderCallback, ProviderRecord } from '../../src/provider/types';

/**
 * Every documented spelling of a payload (status under `successFlag` or `status`, the URL as
 * `audioWavUrl` or `audio_wav_url`, in `response` or in `data`, the task id as `task_id` or
 * `taskId`, either date format, `musicIndex` as number, string or missing) must normalize to one
 * value. Fixtures are the providers' documented examples of record-info and of the callback.
 */

const URL_EXAMPLE = 'https://example.com/s/04e6****e727.wav';
const TASK = '988e****c8d3';

function parsedCallback(body: unknown): ProviderCallback {
  const result = parseCallback(body);
  if (!result.ok) throw new Error(`expected the callback to parse, got: ${result.error}`);
  return result.value;
}

function parsedRecord(data: unknown): ProviderRecord {
  const result = parseRecord(data);
  if (!result.ok) throw new Error(`expected the record to parse, got: ${result.error}`);
  return result.value;
}

function rejection(result: { ok: true } | { ok: false; error: string }): string {
  if (result.ok) throw new Error('expected the payload to be rejected');
  return result.error;
}

describe('parseCallback', () => {
  const success: ProviderCallback = { taskId: TASK, code: 200, msg: 'success', audioWavUrl: URL_EXAMPLE };

  test.each([
    ['camelCase URL, task_id (SO-md, KIE)', { code: 200, msg: 'success', data: { audioWavUrl: URL_EXAMPLE, task_id: TASK } }],
    ['snake_case URL, task_id (SO-old, callback page)', { code: 200, msg: 'success', data: { audio_wav_url: URL_EXAMPLE, task_id: TASK } }],
    ['camelCase URL, taskId (KIE allOf branch)', { code: 200, msg: 'success', data: { audioWavUrl: URL_EXAMPLE, taskId: TASK } }],
    ['snake_case URL, taskId', { code: 200, msg: 'success', data: { audio_wav_url: URL_EXAMPLE, taskId: TASK } }],
    ['code as a numeric string', { code: '200', msg: 'success', data: { audioWavUrl: URL_EXAMPLE, task_id: TASK } }],
  ])('success callback, %s, normalizes to the same value', (_name, body) => {
    expect(parsedCallback(body)).toStrictEqual(success);
  });

  test('an http (not https) URL is kept as is', () => {
    expect(parsedCallback({ code: 200, msg: 'success', data: { audioWavUrl: 'http://cdn.example/a.wav', task_id: TASK } }).audioWavUrl).toBe(
      'http://cdn.example/a.wav',
    );
  });

  test('task_id wins over taskId when both are present (task_id is the documented key)', () => {
    expect(parsedCallback({ code: 200, msg: 'success', data: { task_id: TASK, taskId: 'other', audioWavUrl: URL_EXAMPLE } }).taskId).toBe(TASK);
  });

  test.each([
    [400, 'WAV format conversion failed'],
    [451, 'Download Failed - Unable to download source audio file'],
    [500, 'Server Error - Please try again later'],
    [501, 'WAV conversion failed'],
  ])('failure callback %i with a null URL parses, keeping code and msg, without a URL', (failureCode, msg) => {
    const expected: ProviderCallback = { taskId: TASK, code: failureCode, msg };
    expect(parsedCallback({ code: failureCode, msg, data: { audioWavUrl: null, task_id: TASK } })).toStrictEqual(expected);
    expect(parsedCallback({ code: String(failureCode), msg, data: { audio_wav_url: null, taskId: TASK } })).toStrictEqual(expected);
    expect(parsedCallback({ code: failureCode, msg, data: { task_id: TASK } })).toStrictEqual(expected);
  });

  test('an empty URL counts as no URL', () => {
    expect(parsedCallback({ code: 200, msg: 'success', data: { audioWavUrl: '', task_id: TASK } })).toStrictEqual({
      taskId: TASK,
      code: 200,
      msg: 'success',
    });
  });

  test('a missing or null msg becomes an empty string', () => {
    expect(parsedCallback({ code: 500, data: { task_id: TASK } }).msg).toBe('');
    expect(parsedCallback({ code: 500, msg: null, data: { task_id: TASK } }).msg).toBe('');
  });

  test.each([
    ['no task id at all', { code: 200, msg: 'success', data: { audioWavUrl: URL_EXAMPLE } }, /data\.task_id/],
    ['an empty task id', { code: 200, msg: 'success', data: { task_id: '', audioWavUrl: URL_EXAMPLE } }, /data\.task_id/],
    ['a numeric task id', { code: 200, msg: 'success', data: { task_id: 42, audioWavUrl: URL_EXAMPLE } }, /data\.task_id/],
    ['a non-http URL', { code: 200, msg: 'success', data: { task_id: TASK, audioWavUrl: 'ftp://example.com/a.wav' } }, /data\.audioWavUrl/],
    ['a javascript: URL', { code: 200, msg: 'success', data: { task_id: TASK, audio_wav_url: 'javascript:alert(1)' } }, /data\.audio_wav_url/],
    ['a URL that is not a URL', { code: 200, msg: 'success', data: { task_id: TASK, audioWavUrl: 'not a url' } }, /data\.audioWavUrl/],
    ['no code', { msg: 'success', data: { task_id: TASK, audioWavUrl: URL_EXAMPLE } }, /^code: /],
    ['a non-numeric code', { code: 'ok', msg: 'success', data: { task_id: TASK } }, /^code: /],
    ['a fractional code', { code: 200.5, msg: 'success', data: { task_id: TASK } }, /^code: /],
    ['no data', { code: 500, msg: 'Server Error' }, /^data: /],
    ['null data', { code: 500, msg: 'Server Error', data: null }, /^data: /],
  ])('rejects a callback with %s, naming the field', (_name, body, field) => {
    expect(rejection(parseCallback(body))).toMatch(field);
  });

  test('an empty task_id gives way to taskId, and an empty URL to the other URL key', () => {
    expect(parsedCallback({ code: 200, msg: 'success', data: { task_id: '', taskId: TASK, audioWavUrl: '', audio_wav_url: URL_EXAMPLE } })).toStrictEqual(success);
  });

  test.each([
    ['a code with text after it', '200 OK'],
    ['a code with text before it', 'HTTP200'],
    ['a negative code', '-200'],
  ])('rejects a callback with %s: a code is digits only', (_name, badCode) => {
    expect(rejection(parseCallback({ code: badCode, msg: 'success', data: { task_id: TASK } }))).toMatch(/^code: /);
  });

  test.each([
    ['an http-like scheme', 'xhttp://example.com/a.wav'],
    ['an https-like scheme', 'httpsx://example.com/a.wav'],
  ])('rejects a URL with %s', (_name, url) => {
    expect(rejection(parseCallback({ code: 200, msg: 'success', data: { task_id: TASK, audioWavUrl: url } }))).toMatch(/^data\.audioWavUrl: /);
  });

  test('the error for a missing task id says what is missing, where', () => {
    expect(rejection(parseCallback({ code: 200, msg: 'success', data: { audioWavUrl: URL_EXAMPLE } }))).toBe('data.task_id: task_id is required');
  });

  test('every offending field is named, separated by "; "', () => {
    expect(rejection(parseCallback({ msg: 'success' }))).toMatch(/^code: [^;]+; data: [^;]+$/);
  });

  test.each([
    ['undefined (a body that was not JSON)', undefined],
    ['null', null],
    ['an array', [1, 2]],
    ['a string', 'success'],
  ])('rejects %s as a body', (_name, body) => {
    expect(rejection(parseCallback(body))).toMatch(/^\(body\): /);
  });
});

describe('parseRecord', () => {
  /** The SO-md / KIE record-info example, without its URL and state. */
  const withoutUrlAndState = {
    taskId: TASK,
    musicId: '8551****662c',
    callbackUrl: 'https://api.example.com/callback',
    musicIndex: 0,
    completeTime: '2025-01-01 00:10:00',
    createTime: '2025-01-01 00:00:00',
    errorCode: null,
    errorMessage: null,
  };
  const successData = { ...withoutUrlAndState, response: { audioWavUrl: URL_EXAMPLE }, successFlag: 'SUCCESS' };
  const successRecord: ProviderRecord = {
    taskId: TASK,
    state: 'SUCCESS',
    audioWavUrl: URL_EXAMPLE,
    musicId: '8551****662c',
    musicIndex: 0,
    createTime: '2025-01-01T00:00:00.000Z',
    completeTime: '2025-01-01T00:10:00.000Z',
  };

  test.each<[string, Record<string, unknown>]>([
    ['the documented example', successData],
    ['status instead of successFlag', { ...withoutUrlAndState, response: { audioWavUrl: URL_EXAMPLE }, status: 'SUCCESS' }],
    ['a lower-case state', { ...successData, successFlag: 'success' }],
    ['a mixed-case state with spaces', { ...withoutUrlAndState, response: { audioWavUrl: URL_EXAMPLE }, status: ' Success ' }],
    ['the URL at response.audio_wav_url', { ...successData, response: { audio_wav_url: URL_EXAMPLE } }],
    ['the URL at data.audioWavUrl', { ...withoutUrlAndState, successFlag: 'SUCCESS', audioWavUrl: URL_EXAMPLE }],
    ['the URL at data.audio_wav_url', { ...withoutUrlAndState, successFlag: 'SUCCESS', audio_wav_url: URL_EXAMPLE }],
    ['the URL at data.* with a null response', { ...withoutUrlAndState, successFlag: 'SUCCESS', response: null, audioWavUrl: URL_EXAMPLE }],
    ['the URL at data.* with an empty response URL', { ...successData, response: { audioWavUrl: '' }, audio_wav_url: URL_EXAMPLE }],
    ['ISO-8601 dates with Z', { ...successData, createTime: '2025-01-01T00:00:00Z', completeTime: '2025-01-01T00:10:00.000Z' }],
    ['ISO-8601 dates without a zone', { ...successData, createTime: '2025-01-01T00:00:00', completeTime: '2025-01-01T00:10:00' }],
    ['ISO-8601 dates with an offset', { ...successData, createTime: '2025-01-01T08:00:00+08:00', completeTime: '2025-01-01T01:10:00+01:00' }],
    ['musicIndex as the string "0"', { ...successData, musicIndex: '0' }],
    ['errorCode 0', { ...successData, errorCode: 0 }],
    ['errorCode absent', { ...successData, errorCode: undefined }],
    ['task_id instead of taskId', { ...successData, taskId: undefined, task_id: TASK }],
  ])('a SUCCESS record with %s normalizes to the same value', (_name, data) => {
    expect(parsedRecord(data)).toStrictEqual(successRecord);
  });

  test('response.audioWavUrl is preferred over the other URL keys', () => {
    const record = parsedRecord({
      ...successData,
      response: { audioWavUrl: 'https://a.example/1.wav', audio_wav_url: 'https://a.example/2.wav' },
      audioWavUrl: 'https://a.example/3.wav',
      audio_wav_url: 'https://a.example/4.wav',
    });
    expect(record.audioWavUrl).toBe('https://a.example/1.wav');
  });

  test('"YYYY-MM-DD HH:MM:SS" is read as UTC and equals the same instant written in ISO-8601', () => {
    const spaced = parsedRecord({ ...successData, completeTime: '2024-07-29 15:51:28' });
    const iso = parsedRecord({ ...successData, completeTime: '2024-07-29T15:51:28Z' });
    expect(spaced.completeTime).toBe('2024-07-29T15:51:28.000Z');
    expect(iso.completeTime).toBe(spaced.completeTime);
  });

  test('milliseconds in an ISO date are kept (KIE-zhCN example)', () => {
    expect(parsedRecord({ ...successData, completeTime: '2024-07-29T15:51:28.071Z' }).completeTime).toBe('2024-07-29T15:51:28.071Z');
  });

  test('musicIndex 1 (number or string) is kept; absent or null leaves it out (sunoapi.org)', () => {
    expect(parsedRecord({ ...successData, musicIndex: 1 }).musicIndex).toBe(1);
    expect(parsedRecord({ ...successData, musicIndex: '1' }).musicIndex).toBe(1);
    expect(parsedRecord({ ...successData, musicIndex: undefined })).not.toHaveProperty('musicIndex');
    expect(parsedRecord({ ...successData, musicIndex: null })).not.toHaveProperty('musicIndex');
  });

  const pendingData = {
    taskId: TASK,
    musicId: '8551****662c',
    callbackUrl: 'https://api.example.com/callback',
    completeTime: null,
    response: null,
    successFlag: 'PENDING',
    createTime: '2025-01-01 00:00:00',
    errorCode: null,
    errorMessage: null,
  };
  const pendingRecord: ProviderRecord = {
    taskId: TASK,
    state: 'PENDING',
    musicId: '8551****662c',
    createTime: '2025-01-01T00:00:00.000Z',
  };

  test.each<[string, Record<string, unknown>]>([
    ['null dates and response', pendingData],
    ['status key, lower case', { ...pendingData, successFlag: undefined, status: 'pending' }],
    ['an empty response object', { ...pendingData, response: {} }],
    ['null URLs everywhere', { ...pendingData, response: { audioWavUrl: null, audio_wav_url: null }, audioWavUrl: null }],
    ['completeTime absent', { ...pendingData, completeTime: undefined }],
    ['an ISO createTime', { ...pendingData, createTime: '2025-01-01T00:00:00.000Z' }],
  ])('a PENDING record with %s normalizes to the same value', (_name, data) => {
    expect(parsedRecord(data)).toStrictEqual(pendingRecord);
  });

  const failedData = {
    taskId: TASK,
    musicId: '8551****662c',
    musicIndex: 1,
    completeTime: '2025-01-01 00:10:00',
    createTime: '2025-01-01 00:00:00',
    response: null,
    successFlag: 'GENERATE_WAV_FAILED',
    errorCode: 500,
    errorMessage: 'wav generation failed',
  };

  test.each([
    ['a number', 500, 500],
    ['a numeric string', '500', 500],
    ['a negative number', -1, -1],
    ['null', null, undefined],
    ['0', 0, undefined],
  ])('errorCode as %s', (_name, errorCode, expected) => {
    const record = parsedRecord({ ...failedData, errorCode });
    expect(record.errorCode).toBe(expected);
    expect(record.errorMessage).toBe('wav generation failed');
  });

  test.each(['GENERATE_WAV_FAILED', 'GENERATE_AUDIO_FAILED', 'CREATE_TASK_FAILED', 'CALLBACK_EXCEPTION', 'generate_audio_failed'])(
    'failed state %s is accepted and upper-cased',
    (state) => {
      expect(parsedRecord({ ...failedData, successFlag: state }).state).toBe(state.toUpperCase());
      expect(parsedRecord({ ...failedData, successFlag: undefined, status: state }).state).toBe(state.toUpperCase());
    },
  );

  test('an unknown state is kept (interpretRecord decides what it means)', () => {
    expect(parsedRecord({ ...pendingData, successFlag: 'QUEUED' }).state).toBe('QUEUED');
  });

  test.each<[string, Record<string, unknown>, RegExp]>([
    ['no task id', { ...successData, taskId: undefined }, /taskId/],
    ['an empty task id', { ...successData, taskId: '' }, /taskId/],
    ['no status', { ...successData, successFlag: undefined }, /successFlag or status/],
    ['an empty status', { ...successData, successFlag: '' }, /successFlag or status/],
    ['a non-http URL in response', { ...successData, response: { audioWavUrl: 'file:///etc/passwd' } }, /response\.audioWavUrl/],
    ['a non-http URL at data level', { ...withoutUrlAndState, successFlag: 'SUCCESS', audio_wav_url: 'ftp://x/a.wav' }, /^audio_wav_url: /],
    ['a non-numeric musicIndex', { ...successData, musicIndex: 'first' }, /^musicIndex: /],
    ['a non-numeric errorCode', { ...successData, errorCode: 'boom' }, /^errorCode: /],
    ['a date that is not a date', { ...successData, completeTime: 'yesterday' }, /^completeTime: /],
    ['a date with the month out of range', { ...successData, completeTime: '2025-13-01 00:00:00' }, /^completeTime: /],
    ['a date with the hour out of range', { ...successData, createTime: '2025-01-01 24:61:00' }, /^createTime: /],
  ])('rejects a record with %s, naming the field', (_name, data, field) => {
    expect(rejection(parseRecord(data))).toMatch(field);
  });

  test('a record with only a task id and a state has nothing else', () => {
    expect(parsedRecord({ taskId: TASK, status: 'PENDING' })).toStrictEqual({ taskId: TASK, state: 'PENDING' });
  });

  test('empty ids and states give way to the other key', () => {
    expect(parsedRecord({ ...successData, taskId: '', task_id: TASK, successFlag: '', status: 'SUCCESS' })).toStrictEqual(successRecord);
  });

  test.each([
    ['no task id', { ...successData, taskId: undefined }, 'taskId: taskId is required'],
    ['no state', { ...successData, successFlag: undefined }, 'successFlag: successFlag or status is required'],
    ['a date that cannot be', { ...successData, completeTime: '2025-02-30 25:00:00' }, 'completeTime: not a valid date'],
  ])('the error for %s says what is wrong, where', (_name, data, error) => {
    expect(rejection(parseRecord(data))).toBe(error);
  });

  test.each<[string, Record<string, unknown>, RegExp]>([
    ['a musicIndex with text after it', { ...successData, musicIndex: '1st' }, /^musicIndex: /],
    ['a musicIndex with text before it', { ...successData, musicIndex: 'no1' }, /^musicIndex: /],
    ['an errorCode with text after it', { ...successData, errorCode: '500 Internal' }, /^errorCode: /],
    ['an errorCode with text before it', { ...successData, errorCode: 'E500' }, /^errorCode: /],
    ['a spaced date with text before it', { ...successData, createTime: 'on 2025-01-01 00:00:00' }, /^createTime: /],
    ['a spaced date with text after it', { ...successData, createTime: '2025-01-01 00:00:00 or so' }, /^createTime: /],
    ['a spaced date with a short year', { ...successData, createTime: '25-01-01 00:00:00' }, /^createTime: /],
  ])('rejects a record with %s', (_name, data, field) => {
    expect(rejection(parseRecord(data))).toMatch(field);
  });

  test.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'SUCCESS'],
  ])('rejects %s as record data', (_name, data) => {
    expect(rejection(parseRecord(data))).toMatch(/^\(body\): /);
  });
});

describe('envelopeSchema', () => {
  test.each([
    ['submit success', { code: 200, msg: 'success', data: { taskId: '5c79****be8e' } }, { code: 200, msg: 'success', data: { taskId: '5c79****be8e' } }],
    ['code as a string', { code: '200', msg: 'success', data: { taskId: '5c79****be8e' } }, { code: 200, msg: 'success', data: { taskId: '5c79****be8e' } }],
    [
      'kie HTTP-500 error body',
      { code: 500, msg: 'Server Error - An unexpected error occurred while processing the request', data: null },
      { code: 500, msg: 'Server Error - An unexpected error occurred while processing the request', data: null },
    ],
    ['kie 401 without data', { code: 401, msg: 'You do not have access permissions' }, { code: 401, msg: 'You do not have access permissions' }],
    ['409 with the earlier WAV task id', { code: 409, msg: 'Conflict', data: { taskId: 'earlier' } }, { code: 409, msg: 'Conflict', data: { taskId: 'earlier' } }],
    ['no msg', { code: 404 }, { code: 404, msg: '' }],
    ['null msg', { code: 404, msg: null }, { code: 404, msg: '' }],
  ])('reads %s', (_name, body, expected) => {
    expect(envelopeSchema.parse(body)).toStrictEqual(expected);
  });

  test.each([
    ['no code', { msg: 'success', data: {} }],
    ['a non-numeric code', { code: 'success', msg: 'success' }],
    ['an HTML error page', '<html><body>502 Bad Gateway</body></html>'],
    ['nothing (a body that was not JSON)', undefined],
  ])('refuses %s', (_name, body) => {
    const result = envelopeSchema.safeParse(body);
    expect(result.success).toBe(false);
  });
});

describe('submitDataSchema', () => {
  test('reads the task id submit answered with', () => {
    expect(submitDataSchema.parse({ taskId: '5c79****be8e' })).toEqual({ taskId: '5c79****be8e' });
  });

  test.each([
    ['an empty task id', { taskId: '' }],
    ['no task id', {}],
    ['null data', null],
  ])('refuses %s', (_name, data) => {
    expect(submitDataSchema.safeParse(data).success).toBe(false);
  });
});
