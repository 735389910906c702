import { parseWavHeader, WAV_HEADER_SCAN_BYTES, WavFormatError, type WavInfo, type WavProblem } from '../../src/wav/header';
import { synthesizeWav } from '../../src/wav/synth';

/** Fixture files are built here, byte by byte, so that the test needs no tool and no file. */

function chunk(id: string, body: Buffer, declaredSize = body.length): Buffer {
  const head = Buffer.alloc(8);
  head.write(id, 0, 'ascii');
  head.writeUInt32LE(declaredSize, 4);
  // RIFF pads odd-sized chunk bodies to an even length; the declared size stays odd.
  return Buffer.concat([head, body, Buffer.alloc(body.length % 2)]);
}

function riff(chunks: Buffer[], { form = 'WAVE', declaredSize }: { form?: string; declaredSize?: number } = {}): Buffer {
  const body = Buffer.concat([Buffer.from(form, 'ascii'), ...chunks]);
  const head = Buffer.alloc(8);
  head.write('RIFF', 0, 'ascii');
  head.writeUInt32LE(declaredSize ?? body.length, 4);
  return Buffer.concat([head, body]);
}

interface FmtFields {
  format?: number;
  channels?: number;
  sampleRate?: number;
  bitsPerSample?: number;
  blockAlign?: number;
}

function fmtBody({ format = 1, channels = 2, sampleRate = 44_100, bitsPerSample = 16, blockAlign }: FmtFields = {}): Buffer {
  const align = blockAlign ?? (channels * bitsPerSample) / 8;
  const body = Buffer.alloc(16);
  body.writeUInt16LE(format, 0);
  body.writeUInt16LE(channels, 2);
  body.writeUInt32LE(sampleRate, 4);
  body.writeUInt32LE(sampleRate * align, 8);
  body.writeUInt16LE(align, 12);
  body.writeUInt16LE(bitsPerSample, 14);
  return body;
}

/** WAVE_FORMAT_EXTENSIBLE: the 16 classic bytes, cbSize 22, valid bits, channel mask, SubFormat GUID. */
function extensibleFmtBody(subFormat: number, { channels = 2, sampleRate = 48_000, bitsPerSample = 24 } = {}): Buffer {
  const ext = Buffer.alloc(24);
  ext.writeUInt16LE(22, 0);
  ext.writeUInt16LE(bitsPerSample, 2);
  ext.writeUInt32LE(channels === 2 ? 0x3 : 0x4, 4);
  // KSDATAFORMAT_SUBTYPE_*: the format code, then the fixed tail 0000-0010-8000-00aa00389b71.
  ext.writeUInt16LE(subFormat, 8);
  Buffer.from('000000001000800000aa00389b71', 'hex').copy(ext, 10);
  return Buffer.concat([fmtBody({ format: 0xfffe, channels, sampleRate, bitsPerSample }), ext]);
}

/** What the download does: the first WAV_HEADER_SCAN_BYTES of the file, plus its size. */
function parse(file: Buffer, fileSize = file.length): WavInfo {
  return parseWavHeader(file.subarray(0, WAV_HEADER_SCAN_BYTES), fileSize);
}

function problemOf(file: Buffer, fileSize = file.length): WavProblem | 'parsed' {
  try {
    parse(file, fileSize);
    return 'parsed';
  } catch (err) {
    if (err instanceof WavFormatError) return err.problem;
    throw err;
  }
}

describe('a file written by synthesizeWav', () => {
  test('1 s of 44.1 kHz stereo 16-bit PCM', () => {
    const file = synthesizeWav({ seconds: 1 });
    expect(file.length).toBe(44 + 44_100 * 4);
    expect(parse(file)).toEqual({
      audioFormat: 1,
      channels: 2,
      sampleRate: 44_100,
      bitsPerSample: 16,
      byteRate: 176_400,
      blockAlign: 4,
      dataOffset: 44,
      dataBytes: 176_400,
      durationSeconds: 1,
    });
  });

  test('a file larger than the scanned head: duration comes from the header, not the head', () => {
    const file = synthesizeWav({ seconds: 2.5 });
    expect(file.length).toBeGreaterThan(WAV_HEADER_SCAN_BYTES);
    const info = parse(file);
    expect(info.dataBytes).toBe(2.5 * 44_100 * 4);
    expect(info.durationSeconds).toBe(2.5);
    expect(info).not.toHaveProperty('subFormat');
  });

  test.each([
    [{ seconds: 0.25, sampleRate: 8_000, channels: 1 }, 8_000, 1, 2_000 * 2, 0.25],
    [{ seconds: 0.5, sampleRate: 48_000, channels: 2 }, 48_000, 2, 24_000 * 4, 0.5],
    [{ seconds: 0.1, sampleRate: 22_050, channels: 6 }, 22_050, 6, 2_205 * 12, 0.1],
  ])('%o', (options, sampleRate, channels, dataBytes, duration) => {
    const info = parse(synthesizeWav(options));
    expect(info).toMatchObject({ audioFormat: 1, sampleRate, channels, bitsPerSample: 16, blockAlign: channels * 2, dataBytes });
    expect(info.durationSeconds).toBeCloseTo(duration, 10);
  });

  test('a head that is a view at an offset into a larger buffer', () => {
    const file = synthesizeWav({ seconds: 0.1 });
    const backing = new Uint8Array(file.length + 7);
    backing.set(file, 3);
    const head = backing.subarray(3, 3 + file.length);
    expect(parseWavHeader(head, file.length)).toMatchObject({ channels: 2, sampleRate: 44_100, dataBytes: 4_410 * 4 });
  });
});

describe('truncated files', () => {
  const file = synthesizeWav({ seconds: 1 });

  test.each([1, 4, 8, 11, 12, 20, 35, 36, 43, 44, 45, 1_000, 100_000, file.length - 1])('cut after %i bytes', (cut) => {
    expect(problemOf(file.subarray(0, cut))).toBe('truncated');
  });

  test('the data chunk announces more than the file holds, with an unknown RIFF size', () => {
    const pcm = Buffer.alloc(400);
    const whole = riff([chunk('fmt ', fmtBody()), chunk('data', pcm)], { declaredSize: 0xffffffff });
    expect(problemOf(whole)).toBe('parsed');
    expect(problemOf(whole.subarray(0, whole.length - 1))).toBe('truncated');
  });

  // A streamed file announces no sizes: only the chunk walk can tell that it stops early.
  const streamed = riff([chunk('fmt ', fmtBody()), chunk('data', Buffer.alloc(400), 0xffffffff)], { declaredSize: 0xffffffff });

  test.each([4, 12, 16, 20, 24, 30, 35, 36, 40, 43])('a streamed file cut after %i bytes, before its data', (cut) => {
    expect(problemOf(streamed.subarray(0, cut))).toBe('truncated');
  });

  test('a chunk before data that runs past the end of the file', () => {
    const list = chunk('LIST', Buffer.alloc(100));
    const file = riff([chunk('fmt ', fmtBody()), list], { declaredSize: 0xffffffff });
    expect(problemOf(file.subarray(0, file.length - 10))).toBe('truncated');
  });

  test('the message says how much was announced and how much arrived', () => {
    expect(() => parse(file.subarray(0, 1_000))).toThrow(`RIFF header announces ${file.length} bytes, file has 1000`);
  });
});

describe('files that are not WAV', () => {
  const id3Mp3 = Buffer.concat([
    Buffer.from('ID3', 'ascii'),
    Buffer.from([0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]),
    Buffer.from([0xff, 0xfb, 0x90, 0x64]),
    Buffer.alloc(413),
  ]);
  const html = Buffer.from('<!DOCTYPE html><html><head><title>403 Forbidden</title></head><body>AccessDenied</body></html>');
  const pcm = Buffer.alloc(64);

  test.each<[string, Buffer]>([
    ['an MP3 with an ID3 tag', id3Mp3],
    ['a bare MP3 frame', Buffer.concat([Buffer.from([0xff, 0xfb, 0x90, 0x64]), Buffer.alloc(413)])],
    ['an HTML error page', html],
    ['a short HTML fragment', Buffer.from('<html>')],
    ['a JSON error body', Buffer.from('{"code":404,"msg":"Not Found","data":null}')],
    ['an empty body', Buffer.alloc(0)],
    ['a RIFF file that is not WAVE (AVI)', riff([chunk('avih', Buffer.alloc(56))], { form: 'AVI ' })],
    ['a data chunk before the fmt chunk', riff([chunk('data', pcm), chunk('fmt ', fmtBody())])],
    ['a fmt chunk shorter than 16 bytes', riff([chunk('fmt ', fmtBody().subarray(0, 14)), chunk('data', pcm)])],
    ['a fmt chunk with zero channels', riff([chunk('fmt ', fmtBody({ channels: 0, blockAlign: 4 })), chunk('data', pcm)])],
    ['a fmt chunk with a zero sample rate', riff([chunk('fmt ', fmtBody({ sampleRate: 0 })), chunk('data', pcm)])],
    ['a fmt chunk with zero bits per sample', riff([chunk('fmt ', fmtBody({ bitsPerSample: 0, blockAlign: 4 })), chunk('data', pcm)])],
    ['a fmt chunk with a zero block size', riff([chunk('fmt ', fmtBody({ blockAlign: 0 })), chunk('data', pcm)])],
  ])('%s', (_name, file) => {
    expect(problemOf(file)).toBe('not-wav');
  });

  test('zero channels is reported as such', () => {
    const file = riff([chunk('fmt ', fmtBody({ channels: 0, blockAlign: 4 })), chunk('data', pcm)]);
    expect(() => parse(file)).toThrow(/zero channel count/);
  });
});

describe('tolerated variants', () => {
  const pcm = Buffer.alloc(4_410 * 4, 1);

  test.each([
    ['after fmt', (list: Buffer) => [chunk('fmt ', fmtBody()), list, chunk('data', pcm)]],
    ['before fmt', (list: Buffer) => [list, chunk('fmt ', fmtBody()), chunk('data', pcm)]],
  ])('a LIST chunk of odd size (padded) %s', (_where, layout) => {
    const list = chunk('LIST', Buffer.from('INFOISFT\x05\x00\x00\x00sox!\x00', 'latin1'));
    expect(list.length).toBe(8 + 17 + 1);
    const file = riff(layout(list));
    expect(parse(file)).toMatchObject({ channels: 2, sampleRate: 44_100, dataOffset: 12 + 24 + 26 + 8, dataBytes: pcm.length, durationSeconds: 0.1 });
  });

  test.each([
    ['0xFFFFFFFF', 0xffffffff],
    ['0', 0],
  ])('streaming: RIFF and data sizes %s, data runs to the end of the file', (_name, unknown) => {
    const file = riff([chunk('fmt ', fmtBody()), chunk('data', pcm, unknown)], { declaredSize: unknown });
    expect(parse(file)).toMatchObject({ dataOffset: 44, dataBytes: pcm.length, durationSeconds: 0.1 });
  });

  test('streaming: a file far larger than the head still gets its full length from the file size', () => {
    const header = riff([chunk('fmt ', fmtBody()), chunk('data', Buffer.alloc(0), 0xffffffff)], { declaredSize: 0xffffffff });
    const fileSize = 44 + 3 * 176_400;
    expect(parseWavHeader(header, fileSize)).toMatchObject({ dataBytes: 3 * 176_400, durationSeconds: 3 });
  });

  test.each([
    ['PCM', 0x0001],
    ['IEEE float', 0x0003],
  ])('WAVE_FORMAT_EXTENSIBLE with a %s SubFormat', (_name, subFormat) => {
    const bits = subFormat === 3 ? 32 : 24;
    const file = riff([chunk('fmt ', extensibleFmtBody(subFormat, { bitsPerSample: bits })), chunk('data', Buffer.alloc(48_000 * 2 * (bits / 8)))]);
    expect(parse(file)).toEqual({
      audioFormat: 0xfffe,
      subFormat,
      channels: 2,
      sampleRate: 48_000,
      bitsPerSample: bits,
      byteRate: 48_000 * 2 * (bits / 8),
      blockAlign: 2 * (bits / 8),
      dataOffset: 12 + 8 + 40 + 8,
      dataBytes: 48_000 * 2 * (bits / 8),
      durationSeconds: 1,
    });
  });

  test('a fact chunk and trailing chunks after data do not change the data size', () => {
    const file = riff([chunk('fmt ', fmtBody()), chunk('fact', Buffer.alloc(4)), chunk('data', pcm), chunk('id3 ', Buffer.alloc(31))]);
    expect(parse(file)).toMatchObject({ dataOffset: 12 + 24 + 12 + 8, dataBytes: pcm.length });
  });
});
