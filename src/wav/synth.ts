export interface SynthOptions {
  seconds: number;
  sampleRate?: number;
  channels?: number;
  /** Only 16-bit PCM is synthesized. */
  frequencyHz?: number;
}

/**
 * A real 16-bit PCM WAV file: a sine tone, slightly different per channel, with a short fade so
 * it plays without clicks. Used by the sandbox provider and tests.
 */
export function synthesizeWav({ seconds, sampleRate = 44_100, channels = 2, frequencyHz = 440 }: SynthOptions): Buffer {
  const frames = Math.max(0, Math.round(seconds * sampleRate));
  const blockAlign = channels * 2;
  const dataBytes = frames * blockAlign;
  const out = Buffer.alloc(44 + dataBytes);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(channels, 22);
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * blockAlign, 28);
  out.writeUInt16LE(blockAlign, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(dataBytes, 40);
  const fade = Math.min(frames / 2, sampleRate * 0.01);
  for (let i = 0; i < frames; i++) {
    const envelope = Math.min(1, i / fade, (frames - 1 - i) / fade);
    for (let c = 0; c < channels; c++) {
      const phase = (2 * Math.PI * frequencyHz * (1 + c * 0.005) * i) / sampleRate;
      out.writeInt16LE(Math.round(Math.sin(phase) * 0.3 * 32767 * envelope), 44 + i * blockAlign + c * 2);
    }
  }
  return out;
}
