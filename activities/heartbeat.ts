import type { Context } from '@temporalio/activity';

/**
 * Heartbeats the latest details on a timer, so an activity stays alive through long silent waits
 * (FerretDB sorts a whole collection before the first page; an upload's server may stall briefly)
 * and still receives cancellation. Progress heartbeats are sent by the activity itself as well.
 */
export function keepHeartbeating(
  ctx: Context,
  details: () => unknown,
  heartbeatTimeoutMs: number,
): { stop(): void } {
  const timer = setInterval(
    () => ctx.heartbeat(details()),
    Math.max(500, Math.floor(heartbeatTimeoutMs / 3)),
  );
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
