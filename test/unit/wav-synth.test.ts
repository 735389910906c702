import { synthesizeWav } from '../../src/wav/synth';

/** Samples of one channel, as the 16-bit little-endian integers a player reads. */
function channelSamples(file: Buffer, channel: number, channels: number): number[] {
  const samples: number[] = [];
  for (let at = 44 + channel * 2; at + 2 <= file.length; at += channels * 2) samples.push(file.readInt16LE(at));
  return samples;
}

/** Full cycles per second, counted from upward zero crossings. */
function frequencyOf(samples: number[], sampleRate: number): number {
  let upward = 0;
  for (let i = 1; i < samples.length; i++) if (samples[i - 1]! < 0 && samples[i]! >= 0) upward++;
  return upward / (samples.length / sampleRate);
}

test('the canonical 44-byte header of a 16-bit PCM file', () => {
  const file = synthesizeWav({ seconds: 0.5, sampleRate: 48_000, channels: 2 });
  const dataBytes = 24_000 * 4;
  expect(file.length).toBe(44 + dataBytes);
  expect(file.toString('ascii', 0, 4)).toBe('RIFF');
  expect(file.readUInt32LE(4)).toBe(file.length - 8);
  expect(file.toString('ascii', 8, 16)).toBe('WAVEfmt ');
  expect([file.readUInt32LE(16), file.readUInt16LE(20), file.readUInt16LE(22)]).toEqual([16, 1, 2]);
  expect([file.readUInt32LE(24), file.readUInt32LE(28), file.readUInt16LE(32), file.readUInt16LE(34)]).toEqual([48_000, 192_000, 4, 16]);
  expect(file.toString('ascii', 36, 40)).toBe('data');
  expect(file.readUInt32LE(40)).toBe(dataBytes);
});

test('an audible tone at the requested frequency, slightly detuned on the second channel', () => {
  const file = synthesizeWav({ seconds: 1, frequencyHz: 440 });
  const left = channelSamples(file, 0, 2);
  const right = channelSamples(file, 1, 2);
  expect(left).toHaveLength(44_100);
  expect(frequencyOf(left, 44_100)).toBeCloseTo(440, -1);
  expect(frequencyOf(right, 44_100)).toBeCloseTo(442.2, -1);
  expect(left).not.toEqual(right);
  // 0.3 of full scale: loud enough to hear, far from clipping.
  expect(Math.max(...left)).toBeGreaterThan(9_000);
  expect(Math.max(...left)).toBeLessThanOrEqual(Math.round(0.3 * 32_767));
  expect(Math.min(...left)).toBeGreaterThanOrEqual(-Math.round(0.3 * 32_767));
});

test('fades in and out, so it starts and ends at silence without a click', () => {
  const samples = channelSamples(synthesizeWav({ seconds: 0.2, channels: 1, frequencyHz: 1_000 }), 0, 1);
  expect(samples[0]).toBe(0);
  expect(samples.at(-1)).toBe(0);
  // The first 10 ms stay well below the full 0.3 amplitude.
  expect(Math.max(...samples.slice(0, 44))).toBeLessThan(0.3 * 32_767 * 0.1 + 1);
});

test.each([0, -1, 1e-6])('%p seconds gives a valid, empty file', (seconds) => {
  const file = synthesizeWav({ seconds });
  expect(file.length).toBe(44);
  expect(file.readUInt32LE(40)).toBe(0);
});
