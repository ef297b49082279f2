import type {
  ExportJobInput,
  ExportProgress,
  JobCallback,
  JobError,
  JobFile,
  JobManifest,
  JobSetFile,
  JobNotification,
  JobPhase,
  JobStatusName,
  JobView,
  JobWindow,
  PublicDestination,
} from './contract';

/** The job's observable state, owned by the workflow and read by the status query. */
export class JobState {
  status: JobStatusName = 'Pending';
  phase: JobPhase = 'planning';
  totalItems: number | null = null;
  completedItems = 0;
  bytes = 0;
  end: string | null = null;
  file: JobFile | null = null;
  files: readonly JobSetFile[] | null = null;
  manifest: JobManifest | null = null;
  expiresAt: string | null = null;
  error: JobError | null = null;
  notification: JobNotification | null = null;
  callback: JobCallback | null = null;

  constructor(
    private readonly input: ExportJobInput,
    private readonly start: string,
    private readonly destination: PublicDestination,
  ) {}

  /** Rows written per partition of a parallel export. */
  private readonly partRows = new Map<number, number>();

  applyProgress(progress: ExportProgress): void {
    if (this.status !== 'Processing' || progress.phase !== this.phase) return;
    if (progress.phase === 'exporting' && progress.part !== undefined) {
      this.partRows.set(progress.part, progress.completedItems);
      this.completedItems = [...this.partRows.values()].reduce((a, b) => a + b, 0);
      return;
    }
    if (progress.phase === 'exporting') {
      this.completedItems = progress.completedItems;
      if (progress.totalItems !== undefined && progress.totalItems !== null)
        this.totalItems = progress.totalItems;
    }
    this.bytes = progress.bytes;
  }

  /** Done is 100; unknown totals have no percentage; nothing to export is done once exported. */
  private percent(): number | null {
    const total = this.totalItems;
    if (this.status === 'Done') return 100;
    if (total === null) return null;
    if (total > 0) return Math.min(100, Math.floor((this.completedItems / total) * 100));
    return this.phase === 'exporting' || this.phase === 'planning' ? 0 : 100;
  }

  view(): JobView {
    const total = this.totalItems;
    const percent = this.percent();
    return {
      jobID: this.input.jobID,
      jobName: this.input.jobName,
      type: 'contactexport',
      status: this.status,
      phase: this.phase,
      totalItems: total,
      completedItems: this.completedItems,
      percent,
      bytes: this.bytes,
      times: { start: this.start, end: this.end },
      file: this.file,
      files: this.files,
      manifest: this.manifest,
      expiresAt: this.expiresAt,
      error: this.error,
      notification: this.notification,
      callback: this.callback,
      destination: this.destination,
      exportType: this.input.request.exportType,
      compress: this.input.request.compress,
      window: jobWindow(this.input.request),
      scheduleID: this.input.scheduleID ?? null,
    };
  }
}

/** The request's lastModified window as a job shows it. */
export function jobWindow(request: {
  readonly modifiedSince?: string;
  readonly modifiedBefore?: string;
}): JobWindow | null {
  if (request.modifiedSince === undefined && request.modifiedBefore === undefined) return null;
  return { modifiedSince: request.modifiedSince ?? null, modifiedBefore: request.modifiedBefore ?? null };
}
