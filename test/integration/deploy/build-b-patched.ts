import { patched, proxyActivities } from '@temporalio/workflow';
import { convertToWav as convertOnBuildA, type ConversionInput, type ConversionResult } from '../../../src/workflows';

/**
 * The same change as build-b.ts for a team that runs one build at a time (no Worker Versioning):
 * behind patched(), so conversions A started replay without the new activity.
 */
export const ANNOUNCE_BUILD_PATCH = 'announce-build';

const { announceBuild } = proxyActivities<{ announceBuild(build: string): Promise<void> }>({ startToCloseTimeout: '1 minute' });

export async function convertToWav(input: ConversionInput): Promise<ConversionResult> {
  if (patched(ANNOUNCE_BUILD_PATCH)) await announceBuild('B');
  return convertOnBuildA(input);
}
