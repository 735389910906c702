import { proxyActivities } from '@temporalio/workflow';
import { convertToWav as convertOnBuildA, type ConversionInput, type ConversionResult } from '../../../src/workflows';

/**
 * Build B of the deploy test: convertToWav with one more activity before the conversion, a
 * change to the commands that histories written by build A cannot replay. Deployed with Worker
 * Versioning, so A's conversions never see it.
 */
const { announceBuild } = proxyActivities<{ announceBuild(build: string): Promise<void> }>({ startToCloseTimeout: '1 minute' });

export async function convertToWav(input: ConversionInput): Promise<ConversionResult> {
  await announceBuild('B');
  return convertOnBuildA(input);
}
