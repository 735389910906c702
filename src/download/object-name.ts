import { createHash } from 'node:crypto';

/** Longest name this returns: a file name (255 bytes) with room for `.wav.part` and the like. */
const MAX_NAME_BYTES = 200;
/** Kept as they are (except a leading dot); every other character is percent-encoded. */
const PLAIN = /[A-Za-z0-9_.-]/;

/**
 * The name of a conversion's file in a store: one path segment (no `/`, never `.` or `..`, no
 * leading dot), the same in every store, and injective. Two conversion ids never share a name:
 * `%` is itself encoded, so decoding the name gives the id back. Ids made only of letters, digits,
 * `_`, `.` and `-` keep their name (and so the files written before names were encoded).
 *
 * A name that would pass MAX_NAME_BYTES keeps its start and ends with `~` and the id's sha256: `~`
 * is encoded everywhere else, so such a name cannot equal a short one.
 */
export function objectName(conversionId: string): string {
  let name = '';
  for (const char of conversionId) {
    const plain = PLAIN.test(char) && !(name === '' && char === '.');
    name += plain ? char : [...Buffer.from(char, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  if (name.length <= MAX_NAME_BYTES) return name;
  const hash = createHash('sha256').update(conversionId, 'utf8').digest('hex');
  return `${name.slice(0, MAX_NAME_BYTES - hash.length - 1).replace(/%[0-9A-F]?$/, '')}~${hash}`;
}
