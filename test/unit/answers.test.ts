import { FailureType } from '../../src/failures';
import type { ProviderCallback, ProviderRecord } from '../../src/provider/types';
import { interpretCallback, interpretRecord, type Answer } from '../../src/workflows/answers';

const TASK = '988e****c8d3';
const URL_EXAMPLE = 'https://example.com/s/04e6****e727.wav';

const callback = (code: number, msg: string, audioWavUrl?: string): ProviderCallback => ({
  taskId: TASK,
  code,
  msg,
  ...(audioWavUrl ? { audioWavUrl } : {}),
});

const record = (state: string, extra: Partial<ProviderRecord> = {}): ProviderRecord => ({ taskId: TASK, state, ...extra });

describe('interpretCallback (README outcome table)', () => {
  test('200 with a URL: success with that URL', () => {
    expect(interpretCallback(callback(200, 'success', URL_EXAMPLE))).toEqual({ kind: 'success', url: URL_EXAMPLE });
  });

  test('200 without a URL: keep waiting', () => {
    expect(interpretCallback(callback(200, 'success'))).toEqual({ kind: 'pending', reason: 'no-url' });
  });

  test.each<[number, string, FailureType]>([
    [400, 'WAV format conversion failed', FailureType.SourceRejected],
    [451, 'Download Failed - Unable to download source audio file', FailureType.SourceDownloadFailed],
    [401, 'Invalid API key', FailureType.ProviderUnauthorized],
    [402, 'Insufficient Credits', FailureType.InsufficientCredits],
    [429, 'Insufficient credits', FailureType.InsufficientCredits],
    [500, 'Server Error - Please try again later', FailureType.ProviderConversionError],
    [501, 'WAV conversion failed', FailureType.ProviderConversionError],
    [409, 'an undocumented callback code', FailureType.ProviderConversionError],
    [0, 'a zero code', FailureType.ProviderConversionError],
  ])('%i fails as %s, keeping the msg', (code, msg, type) => {
    expect(interpretCallback(callback(code, msg))).toEqual({ kind: 'failure', type, message: msg });
  });

  test('a failure is a failure even when the callback carries a URL', () => {
    expect(interpretCallback(callback(500, 'Server Error', URL_EXAMPLE))).toMatchObject({ kind: 'failure', type: FailureType.ProviderConversionError });
  });

  test('a failure with an empty msg still says which code it was', () => {
    expect(interpretCallback(callback(451, ''))).toEqual({ kind: 'failure', type: FailureType.SourceDownloadFailed, message: 'callback code 451' });
  });
});

describe('interpretRecord (README outcome table)', () => {
  test.each<[string, ProviderRecord, Answer]>([
    ['SUCCESS with a URL', record('SUCCESS', { audioWavUrl: URL_EXAMPLE }), { kind: 'success', url: URL_EXAMPLE }],
    ['SUCCESS without a URL (re-poll)', record('SUCCESS'), { kind: 'pending', reason: 'no-url' }],
    ['CALLBACK_EXCEPTION with a URL', record('CALLBACK_EXCEPTION', { audioWavUrl: URL_EXAMPLE }), { kind: 'success', url: URL_EXAMPLE }],
    [
      'CALLBACK_EXCEPTION without a URL',
      record('CALLBACK_EXCEPTION', { errorMessage: 'callback failed' }),
      { kind: 'failure', type: FailureType.CallbackException, message: 'callback failed' },
    ],
    [
      'CREATE_TASK_FAILED',
      record('CREATE_TASK_FAILED', { errorCode: 500, errorMessage: 'failed to create the conversion task' }),
      { kind: 'failure', type: FailureType.CreateTaskFailed, message: 'failed to create the conversion task' },
    ],
    [
      'GENERATE_WAV_FAILED',
      record('GENERATE_WAV_FAILED', { errorCode: 500, errorMessage: 'wav generation failed' }),
      { kind: 'failure', type: FailureType.GenerateWavFailed, message: 'wav generation failed' },
    ],
    [
      'GENERATE_AUDIO_FAILED (older kie docs)',
      record('GENERATE_AUDIO_FAILED', { errorMessage: 'wav generation failed' }),
      { kind: 'failure', type: FailureType.GenerateWavFailed, message: 'wav generation failed' },
    ],
    [
      'another *FAILED* state',
      record('UPLOAD_FAILED', { errorMessage: 'upload failed' }),
      { kind: 'failure', type: FailureType.GenerateWavFailed, message: 'upload failed' },
    ],
    [
      'a failed state that even has a URL',
      record('GENERATE_WAV_FAILED', { audioWavUrl: URL_EXAMPLE, errorMessage: 'wav generation failed' }),
      { kind: 'failure', type: FailureType.GenerateWavFailed, message: 'wav generation failed' },
    ],
    ['PENDING', record('PENDING'), { kind: 'pending' }],
    ['an unknown state', record('QUEUED'), { kind: 'pending' }],
    ['an unknown state with a URL', record('TEXT_SUCCESS', { audioWavUrl: URL_EXAMPLE }), { kind: 'pending' }],
  ])('%s', (_name, input, expected) => {
    expect(interpretRecord(input)).toEqual(expected);
  });

  test.each([
    ['CALLBACK_EXCEPTION', FailureType.CallbackException],
    ['CREATE_TASK_FAILED', FailureType.CreateTaskFailed],
    ['GENERATE_WAV_FAILED', FailureType.GenerateWavFailed],
  ])('%s without an errorMessage names the state', (state, type) => {
    expect(interpretRecord(record(state))).toEqual({ kind: 'failure', type, message: `record-info state ${state}` });
  });
});
