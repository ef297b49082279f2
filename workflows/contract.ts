/**
 * The contract of the export workflow: its input, its status view, its progress. Shared by the
 * gateway, the workflow and the activities (src/jobs/types.ts re-exports it). Type-only, so it
 * lives beside the workflow and needs nothing at run time.
 */
import type { RetryPolicy } from '@temporalio/common';
import type { Destination, DestinationType } from '../src/destinations';
import type { PublicDestination } from '../src/destinations/redaction';
import type { ExportFormat } from '../src/export/formats';
import type { ExportPlan, ExportRequest } from '../src/export/types';

export type { Destination, DestinationType, ExportPlan, ExportRequest, PublicDestination };

export type JobStatusName = 'Pending' | 'Processing' | 'Done' | 'Failed' | 'Cancelled';
/** `queued`: waiting for a place on its host (EXPORT_CONCURRENCY / UPLOAD_CONCURRENCY). */
export type JobPhase = 'planning' | 'queued' | 'exporting' | 'uploading' | 'notifying';

/** Timing knobs the gateway passes to each workflow (workflows cannot read configuration). */
export interface ExportTuning {
  readonly heartbeatTimeoutMs: number;
  /** How long an export waits for its host's worker before starting again on another host. */
  readonly hostScheduleToStartTimeoutMs: number;
  readonly progressIntervalMs: number;
  /** Attempts to send the confirmation email before giving up (the export stays Done). */
  readonly emailMaxAttempts: number;
  /** Parallel export: partitions for jobs of at least `partitionMinContacts` contacts (1: off). */
  readonly partitions?: number;
  readonly partitionMinContacts?: number;
  /** Longest an export, partition or join may run; and an upload (absent in older jobs: 24 h, 6 h). */
  readonly exportTimeoutMs?: number;
  readonly uploadTimeoutMs?: number;
  /** The destination module's delivery retries (absent in jobs started before modules carried them). */
  readonly deliveryRetry?: RetryPolicy;
  /** How long the job-ended callback is retried (WEBHOOK_RETRY_WINDOW; absent in older jobs). */
  readonly webhookWindowMs?: number;
}

export interface ExportJobInput {
  readonly jobID: string;
  readonly jobName: string;
  /** The API key's public ID (never the key): job ownership. */
  readonly owner: string;
  readonly request: ExportRequest;
  readonly tuning: ExportTuning;
  /** The export schedule whose run started this job (absent for one-off jobs). */
  readonly scheduleID?: string;
}

export interface ExportProgress {
  /** Rows written (by this partition, when `part` is set). */
  readonly completedItems: number;
  /** The partition of a parallel export this progress is about. */
  readonly part?: number;
  readonly totalItems?: number | null;
  readonly bytes: number;
  readonly phase: 'exporting' | 'uploading';
}

export interface JobFile {
  readonly name: string;
  readonly bytes: number;
  readonly rows: number;
  /** Download link for `aws`, destination URL otherwise; never with credentials. */
  readonly location: string | null;
}

/** One file of a split job (maxRowsPerFile / maxFileSizeMB), as its manifest lists it. */
export interface JobSetFile extends JobFile {
  /** Hex SHA-256 of the bytes delivered (after gzip and PGP). */
  readonly sha256: string;
}

/** A split job's manifest, delivered after its last file. */
export interface JobManifest {
  readonly name: string;
  readonly location: string | null;
}

/** What happened to the job-ended callback (`callbackUrl`). */
export interface JobCallback {
  /** The callback's URL without its query string (which may hold a token). */
  readonly url: string;
  readonly status: 'pending' | 'delivered' | 'failed';
  /** Attempts made, when known (a callback given up after its window reports null). */
  readonly attempts: number | null;
  readonly detail: string | null;
}

/** What happened to the confirmation email. */
export interface JobNotification {
  readonly email: string;
  readonly status: 'sent' | 'failed' | 'skipped';
  readonly detail: string | null;
}

export interface JobError {
  readonly code: string;
  readonly message: string;
}

/** GET /jobs/{jobID}: the workflow's `status` query while it runs, its result after. */
export interface JobView {
  readonly jobID: string;
  readonly jobName: string;
  readonly type: 'contactexport';
  readonly status: JobStatusName;
  readonly phase: JobPhase;
  /** 1-based place in its host's line while `queued` (GET /jobs only; the workflow leaves it out). */
  readonly queuePosition?: number | null;
  readonly totalItems: number | null;
  readonly completedItems: number;
  readonly percent: number | null;
  readonly bytes: number;
  readonly times: { readonly start: string; readonly end: string | null };
  /** The delivered file of a single-file job; null for a split job (see `files`). */
  readonly file: JobFile | null;
  /** A split job's files in order (null otherwise, and in GET /jobs lists: see the manifest). */
  readonly files: readonly JobSetFile[] | null;
  readonly manifest: JobManifest | null;
  readonly expiresAt: string | null;
  readonly error: JobError | null;
  readonly notification: JobNotification | null;
  /** The job-ended callback, or null when the request gave no callbackUrl. */
  readonly callback: JobCallback | null;
  readonly destination: PublicDestination;
  readonly exportType: ExportFormat;
  readonly compress: boolean;
  /** The lastModified window the job exports, or null for all contacts. */
  readonly window: JobWindow | null;
  /** The export schedule whose run started the job, or null for a one-off job. */
  readonly scheduleID: string | null;
}

export interface JobWindow {
  readonly modifiedSince: string | null;
  readonly modifiedBefore: string | null;
}

/** What the memo keeps of an ended job, so GET /jobs lists it without fetching results. */
export type JobSummary = Pick<
  JobView,
  | 'status'
  | 'totalItems'
  | 'completedItems'
  | 'file'
  | 'manifest'
  | 'bytes'
  | 'expiresAt'
  | 'error'
  | 'times'
  | 'notification'
  | 'callback'
>;

/** An export schedule as its owner defined it (SPEC section 10, /exportschedules). */
export interface ScheduleDefinition {
  readonly name: string;
  /** Exactly one of cron and every is set. */
  readonly cron: string | null;
  readonly every: string | null;
  readonly timezone: string;
  /** Each run exports only the contacts modified since the last Done run (the watermark). */
  readonly incremental: boolean;
}

/** The argument a Temporal Schedule gives each run of `scheduledExportWorkflow`. */
export interface ScheduledExportInput {
  readonly scheduleID: string;
  /** The API key's public ID: the schedule's and its jobs' owner. */
  readonly owner: string;
  readonly definition: ScheduleDefinition;
  /** A validated POST /contactexports request (incremental runs add their window to it). */
  readonly request: ExportRequest;
}

/** What a scheduled run's activity prepares: the job's input and what its start needs to carry. */
export interface PreparedScheduledRun {
  readonly jobInput: ExportJobInput;
  /** The job's memo, as the gateway writes it for a one-off job. */
  readonly memo: Record<string, unknown>;
}

/** How one run of a schedule ended. `Skipped`: the schedule was deleted before the run began. */
export interface ScheduledRunResult {
  readonly jobID: string | null;
  readonly status: JobStatusName | 'Skipped';
  readonly window: JobWindow | null;
  /** Where the watermark stands after the run (null: nothing delivered yet, or not incremental). */
  readonly watermark: string | null;
}
