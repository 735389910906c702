import { startConversionRequest } from '../../src/conversions';
import { conversionInputSchema } from '../../src/conversions/input-schema';

/**
 * The HTTP API's start request takes the workflow's input fields with durations in seconds; its
 * bounds are the workflow's (src/workflows/input.ts), so what the API accepts the workflow accepts.
 * Apart from conversion-input.test.ts: the client loads the Temporal SDK, which `npm run
 * test:mutation` would otherwise load again for every mutant of the workflow's input.
 */

describe('the API request uses the same bounds, in seconds', () => {
  const refused = (request: object) => {
    const parsed = startConversionRequest.safeParse({ audioId: 'a1', ...request });
    return parsed.success ? undefined : parsed.error.issues.map((i) => i.path.join('.')).join(',');
  };

  test.each([
    [{ pollIntervalSeconds: 0.0001 }, 'pollIntervalSeconds'],
    [{ pollIntervalSeconds: 4.9 }, 'pollIntervalSeconds'],
    [{ pollIntervalSeconds: 3601 }, 'pollIntervalSeconds'],
    [{ deadlineSeconds: 0.0001 }, 'deadlineSeconds'],
    [{ deadlineSeconds: 7 * 24 * 3600 + 1 }, 'deadlineSeconds'],
    [{ audioId: 'a b' }, 'audioId'],
  ])('%j is refused', (request, field) => {
    expect(refused(request)).toBe(field);
  });

  test('whatever the API accepts, rounded to ms, the workflow accepts', () => {
    for (const pollIntervalSeconds of [5, 5.0004, 17.3, 3600]) {
      for (const deadlineSeconds of [1, 1.0004, 2.5, 7 * 24 * 3600]) {
        expect(refused({ pollIntervalSeconds, deadlineSeconds })).toBeUndefined();
        const input = { audioId: 'a1', pollIntervalMs: Math.round(pollIntervalSeconds * 1000), deadlineMs: Math.round(deadlineSeconds * 1000) };
        expect(conversionInputSchema.safeParse(input).success).toBe(true);
      }
    }
  });
});

