import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/**
 * Adds the conversion's provider task id to every log line of an activity that knows it from its
 * input (poll and download); the SDK already adds the workflow id.
 */
export const activityLogAttributes: ActivityInterceptorsFactory = (_ctx: Context) => {
  let wavTaskId: string | undefined;
  return {
    inbound: {
      execute(input, next) {
        const first = input.args[0] as { wavTaskId?: unknown } | undefined;
        if (typeof first?.wavTaskId === 'string') wavTaskId = first.wavTaskId;
        return next(input);
      },
    },
    outbound: {
      getLogAttributes(attributes, next) {
        return next(wavTaskId ? { ...attributes, wavTaskId } : attributes);
      },
    },
  };
};
