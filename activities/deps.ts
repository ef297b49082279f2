import type { Db } from 'mongodb';
import type { Config } from '../src/config';
import type { DestinationAdapters } from '../src/destinations';
import type { Logger } from '../src/logger';
import type { Mailer } from '../src/mail/mailer';
import type { AppMetrics } from '../src/metrics';
import type { WorkLine } from '../src/work-line';

/** Everything activities need, built once by the worker (see src/worker.ts). */
export interface ActivityDeps {
  readonly config: Config;
  readonly db: Db;
  readonly destinations: DestinationAdapters;
  readonly logger: Logger;
  readonly mailer: Mailer;
  readonly metrics: AppMetrics;
  /** Heavy work waits here, started and heartbeating, for a place (EXPORT_/UPLOAD_CONCURRENCY). */
  readonly lines: { readonly exports: WorkLine; readonly uploads: WorkLine };
  /** This host's identity and task queue, for export work that must stay on one disk. */
  readonly host: { readonly id: string; readonly taskQueue: string };
}
