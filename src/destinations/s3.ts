import { createReadStream } from 'node:fs';
import { S3ServiceException } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { z } from 'zod';
import {
  AppError,
  DestinationAuthError,
  DestinationNotFoundError,
  DestinationPermissionError,
  DestinationUnavailableError,
} from '../errors';
import { s3Client } from '../net/s3-client';
import { credentialSchema, destinationPathSchema } from '../schema/fields';
import { networkError } from './network-errors';
import { s3Key } from './paths';
import {
  destinationModule,
  objectStoreRetry,
  type DestinationAdapter,
  type UploadRequest,
  type UploadResult,
} from './types';

// Legacy S3 bucket names (us-east-1, before 2018) may hold capitals and underscores, as the seed's
// own "my_bucket" example does; whether the bucket exists is for the upload to find out.
const s3Bucket = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$/,
    'expected an S3 bucket name (letters, digits, dots, dashes, underscores)',
  );

const s3Schema = z
  .strictObject({
    type: z.literal('s3'),
    aws_access_key_id: credentialSchema,
    aws_secret_access_key: credentialSchema,
    aws_bucket: s3Bucket,
    aws_region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'expected an AWS region such as us-west-2'),
    path: destinationPathSchema.default(''),
  })
  .describe('Amazon S3. path is a folder, or folder + file name when its last segment has an extension.');

export type S3Destination = z.output<typeof s3Schema>;

export interface S3Options {
  /** Operator override (S3-compatible stores, tests); path-style addressing when set. */
  readonly endpoint?: string;
  readonly timeoutMs: number;
}

/** Amazon S3 (or compatible) with the request's credentials: multipart upload, aborted on failure. */
export class S3Adapter implements DestinationAdapter<S3Destination> {
  constructor(private readonly options: S3Options) {}

  async upload(destination: S3Destination, request: UploadRequest): Promise<UploadResult> {
    const client = s3Client({
      region: destination.aws_region,
      accessKeyId: destination.aws_access_key_id,
      secretAccessKey: destination.aws_secret_access_key,
      endpoint: this.options.endpoint,
    });
    const key = s3Key(destination.path, request.fileName);
    const abortController = new AbortController();
    const onAbort = (): void => abortController.abort();
    request.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const upload = new Upload({
        client,
        params: {
          Bucket: destination.aws_bucket,
          Key: key,
          Body: createReadStream(request.localPath),
          ContentType: request.contentType,
        },
        partSize: 8 * 1024 * 1024,
        queueSize: 4,
        // A failed multipart upload is aborted, so no parts are left behind (and nothing is visible).
        leavePartsOnError: false,
        abortController,
      });
      upload.on('httpUploadProgress', (progress) => request.onProgress(progress.loaded ?? 0));
      await upload.done();
      return { location: `s3://${destination.aws_bucket}/${key}` };
    } catch (err) {
      throw request.signal.aborted ? request.signal.reason : classify(err, destination);
    } finally {
      request.signal.removeEventListener('abort', onAbort);
      client.destroy();
    }
  }
}

function classify(err: unknown, destination: S3Destination): AppError {
  if (err instanceof AppError) return err;
  const where = `S3 bucket '${destination.aws_bucket}' (${destination.aws_region})`;
  const name = (err as { name?: string }).name ?? '';
  const status = err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined;
  if (
    [
      'InvalidAccessKeyId',
      'SignatureDoesNotMatch',
      'InvalidToken',
      'ExpiredToken',
      'AuthorizationHeaderMalformed',
    ].includes(name)
  ) {
    return new DestinationAuthError(
      `${where}: credentials refused for access key ID '…${destination.aws_access_key_id.slice(-4)}' (${name})`,
    );
  }
  if (name === 'NoSuchBucket') return new DestinationNotFoundError(`${where}: the bucket does not exist`);
  if (name === 'AccessDenied' || status === 403)
    return new DestinationPermissionError(`${where}: access denied; the key needs s3:PutObject (${name})`);
  if (name === 'PermanentRedirect' || name === 'IllegalLocationConstraintException') {
    return new DestinationNotFoundError(
      `${where}: the bucket is in another region; check destination.aws_region`,
    );
  }
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return new DestinationPermissionError(`${where}: ${name} (${status})`);
  }
  const network = networkError(err, where);
  if (network) return network;
  return new DestinationUnavailableError(
    `${where}: ${[name, err instanceof Error ? err.message : String(err), (err as { code?: string }).code].filter(Boolean).join(': ')}; will retry`,
  );
}

export const s3Destination = destinationModule({
  type: 's3',
  schema: s3Schema,
  secretFields: ['aws_secret_access_key'],
  maskedFields: ['aws_access_key_id'],
  retry: objectStoreRetry,
  createAdapter: ({ config }) =>
    new S3Adapter({ endpoint: config.s3Endpoint, timeoutMs: config.destinationTimeoutMs }),
});
