import type { Client } from '@temporalio/client';
import { RateLimitedError } from '../errors';

/** Workflow IDs of an owner's running jobs, at most `limit` of them (Temporal visibility). */
export type RunningJobsSource = (owner: string, limit: number) => Promise<readonly string[]>;

export function visibilityRunningJobs(client: Client): RunningJobsSource {
  return async (owner, limit) => {
    const ids: string[] = [];
    // Jobs still exporting or delivering: not a Done job waiting on its email or callback retries,
    // nor a schedule's run (no ExportStatus), which would count its job twice.
    const query = `ExportOwner = "${owner}" AND ExecutionStatus = "Running" AND ExportStatus IN ("Pending", "Processing")`;
    for await (const execution of client.workflow.list({ query, pageSize: Math.min(limit, 1000) })) {
      ids.push(execution.workflowId);
      if (ids.length >= limit) break;
    }
    return ids;
  };
}

/** A job this gateway started; `seen` once visibility listed it (so its absence means it ended). */
interface LocalStart {
  readonly workflowId: string;
  readonly at: number;
  seen: boolean;
}

interface Snapshot {
  running: ReadonlySet<string>;
  /** When visibility was asked. */
  at: number;
}

/**
 * The cap on jobs running at once per API key. A visibility query per request cost 130 ms on
 * average under load with the SQLite dev server (measured: 90% of POST /contactexports latency),
 * so an owner's running set is reused for `ttlMs` and concurrent requests share one query. Jobs
 * this gateway started within `lagMs` before the query are added to the set until visibility
 * lists them (same workflow ID, so never counted twice; once listed, absence means ended). A
 * refusal is re-checked against a fresh query, so a slot freed a moment ago is seen at once.
 * Gateways do not share their starts: a burst across several can still overshoot by the jobs
 * started within visibility's lag. Within one gateway a passing check reserves its place at once
 * (no await between the count and the reservation), so a burst of concurrent requests cannot all
 * pass before any of them has started its job: 100 at once with a cap of 50 let all 100 through.
 */
export class RunningJobsCap {
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly pending = new Map<string, Promise<Snapshot>>();
  private readonly starts = new Map<string, LocalStart[]>();
  /** Places taken by requests that passed the check and are starting their job. */
  private readonly reserved = new Map<string, number>();

  constructor(
    private readonly source: RunningJobsSource,
    private readonly max: number,
    private readonly ttlMs = 1_000,
    private readonly now: () => number = Date.now,
    private readonly lagMs = 2_000,
  ) {}

  /**
   * Throws RateLimitedError when the owner already has `max` jobs running; otherwise takes a place
   * and returns its release, to call once the job has started (after `started`) or failed to.
   */
  async assertUnder(owner: string): Promise<() => void> {
    let snapshot = this.snapshots.get(owner);
    if (!snapshot || this.now() - snapshot.at > this.ttlMs) snapshot = await this.refresh(owner);
    if (this.estimate(owner, snapshot) < this.max) return this.reserve(owner);
    snapshot = await this.refresh(owner, true);
    if (this.estimate(owner, snapshot) >= this.max)
      throw new RateLimitedError(
        `this API key already has ${this.max} export jobs running or just started (limit ${this.max})`,
        5,
      );
    return this.reserve(owner);
  }

  private reserve(owner: string): () => void {
    this.reserved.set(owner, (this.reserved.get(owner) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.reserved.set(owner, Math.max(0, (this.reserved.get(owner) ?? 0) - 1));
    };
  }

  /** Call after a job was started, so the next checks count it before visibility does. */
  started(owner: string, workflowId: string): void {
    const now = this.now();
    const recent = (this.starts.get(owner) ?? []).filter((s) => s.at > now - this.ttlMs - this.lagMs);
    recent.push({ workflowId, at: now, seen: false });
    this.starts.set(owner, recent);
  }

  private estimate(owner: string, snapshot: Snapshot): number {
    const since = snapshot.at - this.lagMs;
    const unseen = (this.starts.get(owner) ?? []).filter(
      (s) => s.at > since && !s.seen && !snapshot.running.has(s.workflowId),
    );
    return snapshot.running.size + unseen.length + (this.reserved.get(owner) ?? 0);
  }

  private refresh(owner: string, force = false): Promise<Snapshot> {
    const inFlight = this.pending.get(owner);
    if (inFlight && !force) return inFlight;
    const at = this.now();
    const query = this.source(owner, this.max)
      .then((ids) => {
        const snapshot: Snapshot = { running: new Set(ids), at };
        for (const start of this.starts.get(owner) ?? [])
          if (snapshot.running.has(start.workflowId)) start.seen = true;
        this.snapshots.set(owner, snapshot);
        return snapshot;
      })
      .finally(() => {
        if (this.pending.get(owner) === query) this.pending.delete(owner);
      });
    this.pending.set(owner, query);
    return query;
  }
}
