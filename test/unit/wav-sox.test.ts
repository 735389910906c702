import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWavHeader, WAV_HEADER_SCAN_BYTES } from '../../src/wav';

/**
 * The parser against real files written by another program, sox (installed by npm test's first step, test/support/debian-tools.js): the
 * extensible format for 24-bit and 6-channel files, float with a fact chunk, 8-bit, odd sizes.
 */
const SOX = '/usr/bin/sox';
let dir: string;
beforeAll(() => {
  if (!existsSync(SOX)) throw new Error('sox is missing: npm test installs it (as root), or `apt-get install sox`');
  dir = mkdtempSync(join(tmpdir(), 'wavflow-sox-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test.each([
  { name: '16-bit stereo 44.1 kHz', args: ['-r', '44100', '-c', '2', '-b', '16'], format: 1, seconds: 1 },
  { name: '24-bit mono 48 kHz (extensible)', args: ['-r', '48000', '-c', '1', '-b', '24'], format: 0xfffe, seconds: 0.5 },
  { name: '6 channels (extensible)', args: ['-r', '44100', '-c', '6', '-b', '16'], format: 0xfffe, seconds: 0.1 },
  { name: '32-bit float with a fact chunk', args: ['-e', 'floating-point', '-r', '22050', '-c', '2', '-b', '32'], format: 3, seconds: 0.3 },
  { name: '8-bit mono 8 kHz, odd data size', args: ['-r', '8000', '-c', '1', '-b', '8'], format: 1, seconds: 0.1001 },
])('$name', ({ args, format, seconds }) => {
  const file = join(dir, 'tone.wav');
  execFileSync(SOX, ['-n', ...args, file, 'synth', String(seconds), 'sine', '440']);
  const bytes = readFileSync(file);
  const info = (key: string) => execFileSync(SOX, ['--i', key, file]).toString().trim();

  const wav = parseWavHeader(bytes.subarray(0, WAV_HEADER_SCAN_BYTES), bytes.length);

  expect(wav.audioFormat).toBe(format);
  expect(wav.channels).toBe(Number(info('-c')));
  expect(wav.sampleRate).toBe(Number(info('-r')));
  expect(wav.bitsPerSample).toBe(Number(info('-b')));
  expect(wav.dataBytes / wav.blockAlign).toBe(Number(info('-s')));
  expect(wav.durationSeconds).toBeCloseTo(Number(info('-D')), 3);
  if (format === 0xfffe) expect(wav.subFormat).toBe(1);
});

test('a sox file cut in half is truncated, not a different file', () => {
  const file = join(dir, 'long.wav');
  execFileSync(SOX, ['-n', '-r', '44100', '-c', '2', '-b', '16', file, 'synth', '1', 'sine', '440']);
  const bytes = readFileSync(file);
  const half = bytes.subarray(0, bytes.length / 2);
  expect(() => parseWavHeader(half.subarray(0, WAV_HEADER_SCAN_BYTES), half.length)).toThrow(expect.objectContaining({ problem: 'truncated' }) as Error);
});
