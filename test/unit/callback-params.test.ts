import { callbackParams } from '../../src/server/callbacks';

/** The receiver matches its path itself (ahead of express's router): as the router matched it. */
test('POST /callbacks/wav/:workflowId/:sig, with a query or a trailing slash, in any case', () => {
  const expected = { workflowId: 'wav-a1', sig: 'c2lnbmF0dXJl' };
  expect(callbackParams('POST', '/callbacks/wav/wav-a1/c2lnbmF0dXJl')).toEqual(expected);
  expect(callbackParams('POST', '/callbacks/wav/wav-a1/c2lnbmF0dXJl/')).toEqual(expected);
  expect(callbackParams('POST', '/callbacks/wav/wav-a1/c2lnbmF0dXJl?retry=2')).toEqual(expected);
  expect(callbackParams('POST', '/Callbacks/WAV/wav-a1/c2lnbmF0dXJl')).toEqual(expected);
});

test('parameters are percent-decoded; an encoded slash stays inside its parameter', () => {
  expect(callbackParams('POST', '/callbacks/wav/a%2Fb/s%20g')).toEqual({ workflowId: 'a/b', sig: 's g' });
});

test('a malformed escape is a 400 for the error handler, as the router made it', () => {
  expect(() => callbackParams('POST', '/callbacks/wav/%E0%A4%A/sig')).toThrow(expect.objectContaining({ status: 400, message: "Failed to decode param '%E0%A4%A'" }) as Error);
});

test('anything else is not a callback: other methods, missing or extra segments, other paths', () => {
  for (const [method, url] of [
    ['GET', '/callbacks/wav/id/sig'],
    ['PUT', '/callbacks/wav/id/sig'],
    ['POST', '/callbacks/wav/id'],
    ['POST', '/callbacks/wav/id/'],
    ['POST', '/callbacks/wav//sig'],
    ['POST', '/callbacks/wav/id/sig/more'],
    ['POST', '/callbacks/wav/id//'],
    ['POST', '/callbacks/wav/'],
    ['POST', '/callbacks/wavid/sig'],
    ['POST', '/v1/conversions'],
  ] as const) {
    expect(callbackParams(method, url)).toBeUndefined();
  }
});
