import { InterceptingCall, ListenerBuilder, type Interceptor } from '@grpc/grpc-js';

/**
 * Counts Temporal gRPC calls still in flight, retries included, so a gateway can close its
 * connection only after the last one settles. Closing earlier leaves the SDK's retry timer calling
 * into a shut-down channel, which throws outside any promise and kills the process.
 */
export interface CallTracker {
  /** Must come first in the connection's interceptor list so it spans the retry interceptor. */
  readonly interceptor: Interceptor;
  pending(): number;
  /**
   * Resolves true once no call is in flight and none started for `quietMs` (a request handler
   * between two calls, say after a MongoDB lookup, is about to make its next one), or false
   * after `timeoutMs`.
   */
  idle(timeoutMs: number, quietMs?: number): Promise<boolean>;
}

export function createCallTracker(): CallTracker {
  let inFlight = 0;
  let lastStart = 0;
  const waiters = new Set<() => void>();
  const settle = (): void => {
    inFlight -= 1;
    if (inFlight === 0) for (const wake of [...waiters]) wake();
  };

  const interceptor: Interceptor = (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        inFlight += 1;
        lastStart = Date.now();
        let settled = false;
        next(
          metadata,
          new ListenerBuilder()
            .withOnReceiveStatus((status, nextStatus) => {
              if (!settled) {
                settled = true;
                settle();
              }
              nextStatus(status);
            })
            .build(),
        );
      },
    });

  return {
    interceptor,
    pending: () => inFlight,
    idle: async (timeoutMs, quietMs = 0) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (inFlight > 0) {
          const woke = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => {
              waiters.delete(wake);
              resolve(false);
            }, deadline - Date.now());
            const wake = (): void => {
              clearTimeout(timer);
              waiters.delete(wake);
              resolve(true);
            };
            waiters.add(wake);
          });
          if (!woke) return false;
        }
        const quietFor = Date.now() - lastStart;
        if (inFlight === 0 && quietFor >= quietMs) return true;
        if (Date.now() >= deadline) return false;
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(quietMs - quietFor, deadline - Date.now())),
        );
      }
    },
  };
}
