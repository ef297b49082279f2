import type { RetryPolicy } from '@temporalio/common';
import type { Db } from 'mongodb';
import type { z } from 'zod';
import type { Config } from '../config';

export interface UploadRequest {
  readonly jobID: string;
  readonly owner: string;
  /** The finished export on the local disk. */
  readonly localPath: string;
  readonly fileName: string;
  /** From the export's format (application/gzip when compressed). */
  readonly contentType: string;
  readonly bytes: number;
  /** One file of a split job's set (internal storage links it by name, not as the job's download). */
  readonly inSet?: boolean;
  readonly onProgress: (bytesSent: number) => void;
  readonly signal: AbortSignal;
}

export interface UploadResult {
  /** Where the file is now, without credentials (a download link for internal storage). */
  readonly location: string;
  /** Internal storage only: when the file will be purged. */
  readonly expiresAt?: string;
}

/** The part of a destination that talks to it. */
export interface DestinationAdapter<D extends { readonly type: string } = { readonly type: string }> {
  /**
   * Atomic: a failed or cancelled upload leaves nothing at the destination. Errors are the
   * Destination*Error family, which says whether a retry can help.
   */
  upload(destination: D, request: UploadRequest): Promise<UploadResult>;
}

/** What a destination's adapter may be built from: the worker's configuration and database. */
export interface DestinationContext {
  readonly config: Config;
  readonly db: Db;
}

/**
 * Everything the service knows about one destination type, in its module under src/destinations/
 * and registered with one line in ./index.ts. The request schema, OpenAPI, the public view, log
 * redaction and the delivery retries are all derived from it; nothing lists destinations again.
 */
export interface DestinationModule<D extends { readonly type: string } = { readonly type: string }> {
  readonly type: D['type'];
  /** The request's `destination` object for this type: strict, `type` a literal. */
  readonly schema: z.ZodType<D>;
  /** What the schema says that JSON Schema cannot say from it (OpenAPI only). */
  readonly jsonSchema?: Record<string, unknown>;
  /**
   * Keys whose values are secrets. They never leave the workflow input and the adapter: the
   * public view (job status, lists, emails, memo) drops them and every log line redacts them.
   */
  readonly secretFields: readonly string[];
  /** Keys shown by their last four characters only (access key IDs, account names stay whole). */
  readonly maskedFields?: readonly string[];
  /**
   * Delivery retries. Auth, permission and not-found errors never retry whatever this says
   * (they are non-retryable failures).
   */
  readonly retry: RetryPolicy;
  createAdapter(context: DestinationContext): DestinationAdapter<D>;
}

/** Cloud object stores (S3, GCS, Azure): 8 attempts from 1 s, at most a minute apart. */
export const objectStoreRetry: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 8,
};

/** Partner FTP and SFTP servers get the longest patience: 10 attempts, about 8 minutes. */
export const partnerServerRetry: RetryPolicy = {
  initialInterval: '2 seconds',
  backoffCoefficient: 2,
  maximumInterval: '2 minutes',
  maximumAttempts: 10,
};

/** Type-checks a module against its destination type and keeps its literal type. */
export function destinationModule<D extends { readonly type: string }>(
  module: DestinationModule<D>,
): DestinationModule<D> {
  return module;
}
