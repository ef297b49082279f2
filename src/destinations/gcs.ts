import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Storage } from '@google-cloud/storage';
import { z } from 'zod';
import {
  AppError,
  DestinationAuthError,
  DestinationNotFoundError,
  DestinationPermissionError,
  DestinationUnavailableError,
} from '../errors';
import { destinationPathSchema } from '../schema/fields';
import { networkError } from './network-errors';
import { gcsObjectName } from './paths';
import {
  destinationModule,
  objectStoreRetry,
  type DestinationAdapter,
  type UploadRequest,
  type UploadResult,
} from './types';

const gcsBucket = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/,
    'expected a GCS bucket name (lower-case letters, digits, dots, dashes, underscores)',
  );

const gcsSchema = z
  .strictObject({
    type: z.literal('gcs'),
    gcs_bucket: gcsBucket,
    path: destinationPathSchema.default(''),
  })
  .describe("Google Cloud Storage with the operator's credentials. path is a folder.");

export type GcsDestination = z.output<typeof gcsSchema>;

export interface GcsOptions {
  /** The emulator (STORAGE_EMULATOR_HOST) or another endpoint; credentials are then not used. */
  readonly apiEndpoint?: string;
  readonly projectId?: string;
}

/**
 * Google Cloud Storage with the operator's credentials (the "integration"; never from requests).
 * One object write: the object appears only when the upload completes.
 */
export class GcsAdapter implements DestinationAdapter<GcsDestination> {
  private readonly storage: Storage;

  constructor(options: GcsOptions) {
    this.storage = new Storage({
      projectId: options.projectId,
      apiEndpoint: options.apiEndpoint,
      // Temporal retries the whole upload with backoff.
      retryOptions: { autoRetry: false },
    });
  }

  async upload(destination: GcsDestination, request: UploadRequest): Promise<UploadResult> {
    const name = gcsObjectName(destination.path, request.fileName);
    const file = this.storage.bucket(destination.gcs_bucket).file(name);
    let sent = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        sent += chunk.length;
        request.onProgress(sent);
        callback(null, chunk);
      },
    });
    try {
      await pipeline(
        createReadStream(request.localPath, { highWaterMark: 1024 * 1024 }),
        counter,
        file.createWriteStream({
          resumable: request.bytes > 8 * 1024 * 1024,
          contentType: request.contentType,
          validation: 'crc32c',
        }),
        { signal: request.signal },
      );
      return { location: `gs://${destination.gcs_bucket}/${name}` };
    } catch (err) {
      throw request.signal.aborted ? request.signal.reason : classify(err, destination);
    }
  }
}

function classify(err: unknown, destination: GcsDestination): AppError {
  if (err instanceof AppError) return err;
  const where = `GCS bucket '${destination.gcs_bucket}'`;
  const code = Number((err as { code?: unknown }).code);
  const message = err instanceof Error ? err.message : String(err);
  if (code === 404 || /bucket does not exist|not ?found/i.test(message))
    return new DestinationNotFoundError(`${where}: the bucket does not exist`);
  if (code === 401)
    return new DestinationAuthError(`${where}: the operator's GCS credentials were refused (${message})`);
  if (code === 403)
    return new DestinationPermissionError(
      `${where}: the service account may not write here; grant it storage.objects.create (${message})`,
    );
  if (code >= 400 && code < 500 && code !== 408 && code !== 429)
    return new DestinationPermissionError(`${where}: ${message}`);
  const network = networkError(err, where);
  if (network) return network;
  return new DestinationUnavailableError(`${where}: ${message}; will retry`);
}

/** The operator's credentials: nothing in the request is secret. */
export const gcsDestination = destinationModule({
  type: 'gcs',
  schema: gcsSchema,
  secretFields: [],
  retry: objectStoreRetry,
  createAdapter: ({ config }) => new GcsAdapter(config.gcs),
});
