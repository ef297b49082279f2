import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { ExportProgress } from '../src/jobs/types';
import { progressSignal } from '../workflows/definitions';

/**
 * Reports progress to the activity's own workflow as a signal, at most once per interval (plus
 * the final value), so the status query shows live numbers without flooding history.
 */
export class ProgressReporter {
  private lastSent = 0;
  private latest: ExportProgress | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly client: Client,
    private readonly intervalMs: number,
  ) {}

  report(progress: ExportProgress, force = false): void {
    this.latest = progress;
    const now = Date.now();
    if (!force && now - this.lastSent < this.intervalMs) return;
    if (this.inFlight) return;
    this.lastSent = now;
    this.inFlight = this.send(progress).finally(() => {
      this.inFlight = undefined;
    });
  }

  /** Sends the latest value and waits for it, so the final numbers are in before the activity returns. */
  async flush(): Promise<void> {
    await this.inFlight;
    if (this.latest) await this.send(this.latest);
  }

  private async send(progress: ExportProgress): Promise<void> {
    const { workflowExecution } = Context.current().info;
    if (!workflowExecution) return;
    try {
      await this.client.workflow
        .getHandle(workflowExecution.workflowId, workflowExecution.runId)
        .signal(progressSignal, progress);
    } catch (err) {
      // Progress is advisory: a lost signal must never fail the export.
      Context.current().log.warn('progress signal failed', { error: String(err) });
    }
  }
}
