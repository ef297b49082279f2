/**
 * A first-come, first-served line in front of heavy work on one worker process (exports, uploads).
 *
 * Why not just Temporal's activity slots: a task that waits for a slot is not started, so it
 * cannot heartbeat, cannot say where it stands, and a long wait ends in a SCHEDULE_TO_START
 * timeout that looks exactly like a vanished host. An activity that has started and waits here
 * heartbeats from its host the whole time and knows its place in line.
 */
export class WorkLine {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    readonly name: string,
    readonly capacity: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`${name}: capacity must be ≥ 1`);
  }

  /** Work running now. */
  get active(): number {
    return this.running;
  }

  /** Work waiting for a place. */
  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Resolves with a `leave` function once a place is free. While waiting, `onPosition` hears the
   * 1-based place in line whenever it changes. An aborted `signal` leaves the line and rejects
   * with the signal's reason.
   */
  enter(signal?: AbortSignal, onPosition?: (position: number) => void): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.running < this.capacity && this.waiting.length === 0) {
      this.running++;
      return Promise.resolve(this.leaveOnce());
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        onPosition,
        admit: () => {
          signal?.removeEventListener('abort', onAbort);
          this.running++;
          resolve(this.leaveOnce());
        },
      };
      const onAbort = (): void => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
        this.announcePositions(index);
        if (signal) reject(abortReason(signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
      onPosition?.(this.waiting.length);
    });
  }

  private leaveOnce(): () => void {
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.running--;
      const next = this.waiting.shift();
      if (next) {
        next.admit();
        this.announcePositions(0);
      }
    };
  }

  /** Tells every waiter from `from` on its new place. */
  private announcePositions(from: number): void {
    for (let i = Math.max(0, from); i < this.waiting.length; i++) this.waiting[i]?.onPosition?.(i + 1);
  }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('left the line');
}

interface Waiter {
  readonly onPosition: ((position: number) => void) | undefined;
  readonly admit: () => void;
}
