import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import type { Config } from '../src/config';
import type { DestinationAdapter } from '../src/destinations/types';
import type { DestinationType } from '../src/jobs/types';
import type { Logger } from '../src/logger';
import type { Mailer } from '../src/mail/mailer';
import type { AppMetrics } from '../src/metrics';

/** Everything activities need, built once by the worker (see src/worker.ts). */
export interface ActivityDeps {
  readonly config: Config;
  readonly db: Db;
  /** For progress signals to the activity's own workflow. */
  readonly client: Client;
  readonly destinations: Readonly<Record<DestinationType, DestinationAdapter>>;
  readonly logger: Logger;
  readonly mailer: Mailer;
  readonly metrics: AppMetrics;
  /** This host's identity and task queue, for export work that must stay on one disk. */
  readonly host: { readonly id: string; readonly taskQueue: string };
}
