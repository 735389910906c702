export { parseWavHeader, WavFormatError, WAV_HEADER_SCAN_BYTES, type WavInfo, type WavProblem } from './header';
export { synthesizeWav, type SynthOptions } from './synth';
