import fc from 'fast-check';
import { objectName } from '../../src/download/object-name';
import { parseStoreUrl } from '../../src/download/store-url';

describe('objectName', () => {
  test('a:1 and a_1 (the collision of the old naming) get different names', () => {
    expect(objectName('a:1')).not.toBe(objectName('a_1'));
    expect(objectName('a:1')).toBe('a%3A1');
  });

  test('ids of letters, digits, _ . - keep their name (files written before names were encoded)', () => {
    expect(objectName('wav-track_1.v2')).toBe('wav-track_1.v2');
  });

  test('is one path segment, never . or .. or hidden, and at most 200 characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 400 }), (id) => {
        const name = objectName(id);
        expect(name).toMatch(/^[A-Za-z0-9_.%~-]+$/);
        expect(name.startsWith('.')).toBe(false);
        expect(name.length).toBeLessThanOrEqual(200);
      }),
    );
  });

  test('is injective: different ids never share a name', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 300 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 300 }), (a, b) => {
        fc.pre(a !== b);
        expect(objectName(a)).not.toBe(objectName(b));
      }),
    );
    // Near-misses the encoding must keep apart.
    const ids = ['a:1', 'a_1', 'a%3A1', '.a', '%2Ea', 'a.', 'x'.repeat(250), `${'x'.repeat(250)}y`, 'é', '%C3%A9'];
    expect(new Set(ids.map(objectName)).size).toBe(ids.length);
  });

  test('short names decode back to the id', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }), (id) => {
        const name = objectName(id);
        // Sixty four-byte characters encode to 720: those names are long ones (hashed), not short.
        fc.pre(!name.includes('~'));
        expect(decodeURIComponent(name)).toBe(id);
      }),
    );
  });
});

describe('parseStoreUrl (WAV_STORE)', () => {
  test.each([
    ['file://.data/wav', { kind: 'file', dir: '.data/wav' }],
    ['file:///srv/wav', { kind: 'file', dir: '/srv/wav' }],
    ['s3://my-bucket', { kind: 's3', bucket: 'my-bucket', prefix: '' }],
    ['s3://my-bucket/wav/prod/', { kind: 's3', bucket: 'my-bucket', prefix: 'wav/prod/' }],
  ])('%s', (value, spec) => {
    expect(parseStoreUrl(value)).toEqual(spec);
  });

  test.each(['http://bucket', 's3://', 's3://Bad_Bucket', '/srv/wav'])('%s is refused', (value) => {
    expect(() => parseStoreUrl(value)).toThrow();
  });
});
