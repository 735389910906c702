import { workflowInfo, type WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { WavTaskIdAttribute } from './messages';

/**
 * Workflow interceptor module: every log line of a conversion, the SDK's own included, carries the
 * provider's task id once submit has returned it. The search attribute is the source, so the value
 * is the one the Temporal UI shows and survives continue-as-new.
 */
export const interceptors: WorkflowInterceptorsFactory = () => ({
  outbound: [
    {
      getLogAttributes(input, next) {
        const wavTaskId = workflowInfo().typedSearchAttributes.get(WavTaskIdAttribute);
        return next(wavTaskId ? { ...input, wavTaskId } : input);
      },
    },
  ],
});
