/**
 * Types shared by the gateway, the workflow and the activities. Type-only: workflows import this
 * file with `import type`, so nothing here may need a runtime value.
 */
import type { Column, ListRef } from '../export/columns';
import type { ExportFormat } from '../export/formatters';

export type JobStatusName = 'Pending' | 'Processing' | 'Done' | 'Failed' | 'Cancelled';
/** `queued`: waiting for a place on its host (EXPORT_CONCURRENCY / UPLOAD_CONCURRENCY). */
export type JobPhase = 'planning' | 'queued' | 'exporting' | 'uploading' | 'notifying';

export type DestinationType = 'aws' | 'ftp' | 'sftp' | 's3' | 'gcs';

export interface AwsDestination {
  readonly type: 'aws';
}
export interface FtpDestination {
  readonly type: 'ftp';
  readonly server: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly path: string;
}
export interface SftpDestination {
  readonly type: 'sftp';
  readonly server: string;
  readonly port: number;
  readonly username: string;
  readonly password?: string;
  readonly savedKey?: string;
  readonly path: string;
}
export interface S3Destination {
  readonly type: 's3';
  readonly aws_access_key_id: string;
  readonly aws_secret_access_key: string;
  readonly aws_bucket: string;
  readonly aws_region: string;
  readonly path: string;
}
export interface GcsDestination {
  readonly type: 'gcs';
  readonly gcs_bucket: string;
  readonly path: string;
}
export type Destination = AwsDestination | FtpDestination | SftpDestination | S3Destination | GcsDestination;

/** A destination as shown to users: credentials replaced by "[redacted]". */
export type PublicDestination = Record<string, string | number>;

/** POST /contactexports after validation and normalisation. */
export interface ExportRequest {
  readonly exportType: ExportFormat;
  readonly name?: string;
  readonly fields: readonly string[];
  readonly lists: readonly ListRef[];
  readonly audienceKey?: string;
  readonly showHeader: boolean;
  readonly compress: boolean;
  readonly confirmEmail?: string;
  readonly destination: Destination;
}

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
}

export interface ExportJobInput {
  readonly jobID: string;
  readonly jobName: string;
  /** The API key's public ID (never the key): job ownership. */
  readonly owner: string;
  readonly request: ExportRequest;
  readonly tuning: ExportTuning;
}

/** What the planning step resolved. */
export interface ExportPlan {
  readonly columns: readonly Column[];
  readonly projection: Record<string, 1>;
  /** The saved audience rule, compiled on the exporting host as of `asOf`. */
  readonly audience?: {
    readonly key: string;
    readonly rule: unknown;
    readonly asOf: string;
    readonly fieldTypes: Readonly<Record<string, string>>;
  };
  readonly fileName: string;
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
  readonly file: JobFile | null;
  readonly expiresAt: string | null;
  readonly error: JobError | null;
  readonly notification: JobNotification | null;
  readonly destination: PublicDestination;
  readonly exportType: ExportFormat;
  readonly compress: boolean;
}

/** What the memo keeps of an ended job, so GET /jobs lists it without fetching results. */
export type JobSummary = Pick<
  JobView,
  'status' | 'totalItems' | 'completedItems' | 'file' | 'expiresAt' | 'error' | 'times' | 'notification'
>;
