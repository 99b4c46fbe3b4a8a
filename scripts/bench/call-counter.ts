// Counts the gRPC calls a client makes, by method: how many queries, updates and starts a path
// really costs (the API's own queries included), without touching the code under measurement.
import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';

export class CallCounter {
  private counts = new Map<string, number>();

  readonly interceptor: Interceptor = (options, nextCall) => {
    const method = options.method_definition.path.split('/').pop() ?? '?';
    this.counts.set(method, (this.counts.get(method) ?? 0) + 1);
    return new InterceptingCall(nextCall(options));
  };

  reset(): void {
    this.counts.clear();
  }

  get(method: string): number {
    return this.counts.get(method) ?? 0;
  }

  /** Billed calls: every query; every update, rejected or not (update-with-start counts as one). */
  billed(): { queries: number; updates: number } {
    return {
      queries: this.get('QueryWorkflow'),
      updates: this.get('UpdateWorkflowExecution') + this.get('ExecuteMultiOperation'),
    };
  }
}
