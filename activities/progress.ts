import { CancelledFailure, type Context } from '@temporalio/activity';
import type { WorkLine } from '../src/work-line';
import { keepHeartbeating } from './heartbeat';

/**
 * What long activities heartbeat besides their checkpoint. Heartbeats add no history events, so a
 * job's history stays the same length however long it runs; Temporal keeps the latest details
 * (at most PROGRESS_INTERVAL old: the worker's heartbeat throttle) and GET /jobs/{jobID} reads them
 * back with `describe` (src/jobs/live-progress.ts).
 */
export type WorkPhase = 'queued' | 'exporting' | 'joining' | 'uploading';

export interface WorkProgress {
  readonly phase?: WorkPhase;
  /** 1-based place in this host's line while `queued`. */
  readonly position?: number;
}

/** Heavy work that has its place: heartbeat what it does, then `end()` to free the place. */
export interface Work<D extends WorkProgress> {
  readonly details: D;
  update(next: Partial<D>): void;
  end(): void;
}

/**
 * Starts heavy work on this host: waits in `line` (started and heartbeating, so a wait is never
 * mistaken for a lost host, and the job shows its place in line), then heartbeats `details` as
 * `working` until `end()`, on a timer too so slow silent steps stay alive. Cancellation while
 * waiting leaves the line.
 */
export async function startWork<D extends WorkProgress>(
  ctx: Context,
  line: WorkLine,
  initial: D,
  working: WorkPhase,
  heartbeatTimeoutMs: number,
): Promise<Work<D>> {
  let latest: D = { ...initial, phase: 'queued' };
  const update = (next: Partial<D>): void => {
    latest = { ...latest, ...next };
    ctx.heartbeat(latest);
  };
  const timer = keepHeartbeating(ctx, () => latest, heartbeatTimeoutMs);
  let leave: () => void;
  try {
    leave = await line.enter(ctx.cancellationSignal, (position) =>
      update({ phase: 'queued', position } as Partial<D>),
    );
  } catch (err) {
    timer.stop();
    if (!ctx.cancellationSignal.aborted) throw err;
    throw ctx.cancellationSignal.reason instanceof CancelledFailure
      ? ctx.cancellationSignal.reason
      : new CancelledFailure('cancelled while waiting in line');
  }
  update({ phase: working, position: undefined } as Partial<D>);
  return {
    get details() {
      return latest;
    },
    update,
    end: () => {
      timer.stop();
      leave();
    },
  };
}
