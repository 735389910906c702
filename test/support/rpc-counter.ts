import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor, type ConnectionOptions } from '@temporalio/client';

type Interceptor = NonNullable<ConnectionOptions['interceptors']>[number];

/**
 * A Temporal client whose connection counts every RPC it sends, by method name (QueryWorkflow,
 * DescribeWorkflowExecution, GetWorkflowExecutionHistory, …). The counter sits inside the SDK's
 * retry interceptor, so a retried call counts once per attempt: each is a round trip.
 */
export interface CountingClient {
  client: Client;
  /** Calls of one method so far (`QueryWorkflow`). */
  of(method: string): number;
  /** Every method called so far, with its count. */
  counts(): Record<string, number>;
  total(): number;
  close(): Promise<void>;
}

export async function countingClient(address: string, namespace = 'default'): Promise<CountingClient> {
  const calls = new Map<string, number>();
  const connection = await Connection.connect({
    address,
    interceptors: [
      makeGrpcRetryInterceptor(defaultGrpcRetryOptions()),
      // Passing the call on unchanged; grpc-js's type wants its own class, which is not a dependency here.
      ((options: Parameters<Interceptor>[0], nextCall: Parameters<Interceptor>[1]) => {
        const method = options.method_definition.path.split('/').pop() ?? options.method_definition.path;
        calls.set(method, (calls.get(method) ?? 0) + 1);
        return nextCall(options);
      }) as unknown as Interceptor,
    ],
  });
  return {
    client: new Client({ connection, namespace }),
    of: (method) => calls.get(method) ?? 0,
    counts: () => Object.fromEntries(calls),
    total: () => [...calls.values()].reduce((a, b) => a + b, 0),
    close: () => connection.close(),
  };
}
