/**
 * RIFF/WAVE header parsing. Pure: works on the first bytes of a file plus its total size, so a
 * download can verify a file it streamed without holding it in memory.
 */
export interface WavInfo {
  /** 1 = PCM, 3 = IEEE float, 0xFFFE = extensible (then `subFormat` says which). */
  audioFormat: number;
  subFormat?: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  byteRate: number;
  blockAlign: number;
  dataOffset: number;
  dataBytes: number;
  durationSeconds: number;
}

export type WavProblem = 'not-wav' | 'truncated';

export class WavFormatError extends Error {
  override readonly name = 'WavFormatError';
  constructor(
    readonly problem: WavProblem,
    message: string,
  ) {
    super(message);
  }
}

/** Bytes of the head of a file that `parseWavHeader` needs at most before giving up. */
export const WAV_HEADER_SCAN_BYTES = 64 * 1024;

const UNKNOWN_SIZE = 0xffffffff;

/**
 * @param head the first bytes of the file (up to WAV_HEADER_SCAN_BYTES)
 * @param fileSize the size of the whole file
 */
export function parseWavHeader(head: Uint8Array, fileSize: number): WavInfo {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const tag = (at: number) => String.fromCharCode(...head.subarray(at, at + 4));

  if (head.length < 12) {
    // An empty body is no start of a WAV file: the host served nothing, a retry will not help.
    if (head.length > 0 && fileSize === head.length && isPrefixOf(head, 'RIFF')) throw new WavFormatError('truncated', `file ends after ${fileSize} bytes`);
    throw new WavFormatError('not-wav', 'file is shorter than a RIFF header');
  }
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new WavFormatError('not-wav', 'missing RIFF/WAVE signature');

  const riffSize = view.getUint32(4, true);
  if (riffSize !== UNKNOWN_SIZE && riffSize !== 0 && fileSize < riffSize + 8) {
    throw new WavFormatError('truncated', `RIFF header announces ${riffSize + 8} bytes, file has ${fileSize}`);
  }

  let fmt: Omit<WavInfo, 'dataOffset' | 'dataBytes' | 'durationSeconds'> | undefined;
  let offset = 12;
  while (offset + 8 <= head.length) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16) throw new WavFormatError('not-wav', 'fmt chunk is too short');
      // Without a RIFF size (streamed files) only this shows that the file stops inside fmt.
      if (body + 16 > head.length) throw new WavFormatError('truncated', 'file ends inside the fmt chunk');
      const audioFormat = view.getUint16(body, true);
      fmt = {
        audioFormat,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        byteRate: view.getUint32(body + 8, true),
        blockAlign: view.getUint16(body + 12, true),
        bitsPerSample: view.getUint16(body + 14, true),
      };
      if (audioFormat === 0xfffe && size >= 40 && body + 26 <= head.length) fmt.subFormat = view.getUint16(body + 24, true);
      if (fmt.channels === 0 || fmt.sampleRate === 0 || fmt.blockAlign === 0 || fmt.bitsPerSample === 0) {
        throw new WavFormatError('not-wav', 'fmt chunk has a zero channel count, rate, block size or sample size');
      }
    } else if (id === 'data') {
      if (!fmt) throw new WavFormatError('not-wav', 'data chunk comes before the fmt chunk');
      const available = fileSize - body;
      // Streaming writers leave the size unknown (0xFFFFFFFF or 0): the rest of the file is data.
      const unknown = size === UNKNOWN_SIZE || size === 0;
      if (!unknown && available < size) {
        throw new WavFormatError('truncated', `data chunk announces ${size} bytes, ${Math.max(available, 0)} present`);
      }
      const dataBytes = unknown ? Math.max(available, 0) : size;
      return { ...fmt, dataOffset: body, dataBytes, durationSeconds: fmt.byteRate ? dataBytes / fmt.byteRate : 0 };
    }
    offset = body + size + (size % 2);
  }
  if (offset >= fileSize) throw new WavFormatError('truncated', 'file ends before the data chunk');
  if (head.length >= WAV_HEADER_SCAN_BYTES) {
    throw new WavFormatError('not-wav', `no fmt and data chunks in the first ${WAV_HEADER_SCAN_BYTES} bytes`);
  }
  throw new WavFormatError('truncated', 'header ends before the data chunk');
}

function isPrefixOf(bytes: Uint8Array, text: string): boolean {
  return [...bytes].every((b, i) => i >= text.length || b === text.charCodeAt(i));
}
