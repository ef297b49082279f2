/**
 * `contact-exports/client`: a typed client for programs that watch and manage export jobs through
 * Temporal directly (no HTTP, no API key: it speaks to the workflows with the service's own
 * Temporal connection and encryption keys).
 *
 * ```ts
 * import { connectContactExports } from 'contact-exports/client';
 * const exports = await connectContactExports(); // TEMPORAL_*, ENCRYPTION_KEYS from the environment
 * for await (const job of exports.watch(jobID)) console.log(job.status, job.percent);
 * await exports.close();
 * ```
 */
import type { Client } from '@temporalio/client';
import { loadConfig } from '../config';
import { parseKeyring, type Keyring } from '../crypto/keyring';
import { NotFoundError } from '../errors';
import { cancelJob } from '../jobs/cancel-job';
import { getJob } from '../jobs/get-job';
import { listJobs, type JobListQuery, type JobPage } from '../jobs/list-jobs';
import type { JobStatusName, JobView } from '../jobs/types';
import type { TemporalConnection } from '../temporal/connection-config';
import { connectClient } from '../temporal/connect';

export type { JobView, JobPage, JobStatusName };

/** The job does not exist (or its record has passed the namespace's retention). */
export class JobNotFoundError extends Error {
  constructor(readonly jobID: string) {
    super(`no job ${jobID}`);
    this.name = this.constructor.name;
  }
}

/** The job has already ended, so there is nothing to cancel. */
export class JobAlreadyEndedError extends Error {
  constructor(
    readonly jobID: string,
    readonly status: JobStatusName,
  ) {
    super(`job ${jobID} has already ended (${status})`);
    this.name = this.constructor.name;
  }
}

export interface ConnectOptions {
  /** Defaults: the environment, read as the worker reads it (TEMPORAL_*, ENCRYPTION_KEYS). */
  readonly env?: Record<string, string | undefined>;
  readonly address?: string;
  readonly namespace?: string;
  readonly tls?: TemporalConnection['tls'];
  readonly apiKey?: string;
  /** `id:base64key,…` as ENCRYPTION_KEYS: the keys the jobs' payloads are encrypted with. */
  readonly encryptionKeys?: string;
}

/** The same filters as GET /jobs; times as Date or ISO strings. */
export interface JobFilter {
  readonly status?: JobStatusName;
  readonly jobName?: string;
  /** Only the jobs of this export schedule (`/exportschedules`). */
  readonly scheduleID?: string;
  readonly start?: {
    readonly gt?: Date | string;
    readonly gte?: Date | string;
    readonly lt?: Date | string;
    readonly lte?: Date | string;
  };
  /** 1-100, default 25. */
  readonly limit?: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
}

export interface WatchOptions {
  /** How often to look, in ms (default 1000). */
  readonly intervalMs?: number;
  readonly signal?: AbortSignal;
}

export interface ContactExportsClient {
  /** The job as GET /jobs/{jobID} shows it: live while it runs, its result after. */
  getJob(jobID: string): Promise<JobView>;
  /** Jobs newest first, filtered like GET /jobs; `nextCursor` fetches the next page. */
  listJobs(filter?: JobFilter): Promise<JobPage>;
  /** The job each time it changes, ending with its last view once it is Done, Failed or Cancelled. */
  watch(jobID: string, options?: WatchOptions): AsyncIterable<JobView>;
  /** Asks a running job to stop; it then ends Cancelled, its partial files removed. */
  cancel(jobID: string): Promise<void>;
  /** The Temporal client underneath, for anything else. */
  readonly temporal: Client;
  close(): Promise<void>;
}

const ENDED: readonly JobStatusName[] = ['Done', 'Failed', 'Cancelled'];
const toDate = (v: Date | string | undefined): Date | undefined =>
  v === undefined ? undefined : v instanceof Date ? v : new Date(v);

export async function connectContactExports(options: ConnectOptions = {}): Promise<ContactExportsClient> {
  const env = options.env ?? process.env;
  const base = loadConfig({
    ...env,
    ...(options.address ? { TEMPORAL_ADDRESS: options.address } : {}),
    ...(options.namespace ? { TEMPORAL_NAMESPACE: options.namespace } : {}),
    ...(options.apiKey ? { TEMPORAL_API_KEY: options.apiKey } : {}),
    ...(options.encryptionKeys ? { ENCRYPTION_KEYS: options.encryptionKeys } : {}),
  });
  const keyring: Keyring = options.encryptionKeys ? parseKeyring(options.encryptionKeys) : base.keyring;
  const config = {
    ...base,
    keyring,
    temporal: {
      ...base.temporal,
      connection: { ...base.temporal.connection, ...(options.tls !== undefined ? { tls: options.tls } : {}) },
    },
  };
  const temporal = await connectClient(config);

  const notFound =
    <T>(jobID: string) =>
    (err: unknown): T => {
      if (err instanceof NotFoundError) throw new JobNotFoundError(jobID);
      throw err;
    };
  const get = (jobID: string): Promise<JobView> => getJob(temporal, jobID).catch(notFound<JobView>(jobID));

  return {
    temporal,
    getJob: get,
    listJobs: (filter: JobFilter = {}) => {
      const query: JobListQuery = {
        status: filter.status,
        jobName: filter.jobName,
        scheduleID: filter.scheduleID,
        start: filter.start && {
          gt: toDate(filter.start.gt),
          gte: toDate(filter.start.gte),
          lt: toDate(filter.start.lt),
          lte: toDate(filter.start.lte),
        },
        limit: filter.limit ?? 25,
        cursor: filter.cursor,
      };
      return listJobs(temporal, keyring, undefined, query);
    },
    async *watch(jobID: string, watchOptions: WatchOptions = {}) {
      let last = '';
      for (;;) {
        const job = await get(jobID);
        const seen = JSON.stringify(job);
        if (seen !== last) {
          last = seen;
          yield job;
        }
        if (ENDED.includes(job.status)) return;
        watchOptions.signal?.throwIfAborted();
        await new Promise((resolve) => setTimeout(resolve, watchOptions.intervalMs ?? 1000));
      }
    },
    async cancel(jobID: string) {
      try {
        await cancelJob(temporal, jobID);
      } catch (err) {
        if (err instanceof NotFoundError) throw new JobNotFoundError(jobID);
        const job = await get(jobID);
        if (ENDED.includes(job.status)) throw new JobAlreadyEndedError(jobID, job.status);
        throw err;
      }
    },
    close: () => temporal.connection.close(),
  };
}
