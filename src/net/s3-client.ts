import { S3Client } from '@aws-sdk/client-s3';

/**
 * An S3 client as the service uses it, for internal storage on a bucket and for `s3` destinations:
 * path-style addressing when an endpoint is set (S3-compatible stores, tests), no hidden retries.
 */
export function s3Client(options: {
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  endpoint?: string;
}): S3Client {
  return new S3Client({
    region: options.region,
    credentials:
      options.accessKeyId && options.secretAccessKey
        ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey }
        : undefined,
    endpoint: options.endpoint,
    forcePathStyle: options.endpoint !== undefined,
    // Temporal retries the whole upload with backoff; no hidden retries underneath.
    maxAttempts: 1,
  });
}
