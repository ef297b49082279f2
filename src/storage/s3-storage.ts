import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NotFound,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { InternalStorage } from './internal-storage';

/** Internal storage in an S3-compatible bucket (production): workers write, gateways read. */
export class S3Storage implements InternalStorage {
  readonly kind = 's3' as const;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
  ) {}

  private key(key: string): string {
    return this.prefix ? `${this.prefix.replace(/\/+$/, '')}/${key}` : key;
  }

  async put(
    key: string,
    localPath: string,
    onProgress?: (bytes: number) => void,
  ): Promise<{ bytes: number }> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.key(key), Body: createReadStream(localPath) },
      partSize: 8 * 1024 * 1024,
      queueSize: 4,
      leavePartsOnError: false,
    });
    let bytes = 0;
    upload.on('httpUploadProgress', (p) => {
      bytes = p.loaded ?? bytes;
      onProgress?.(bytes);
    });
    await upload.done();
    const stat = await this.stat(key);
    return { bytes: stat?.bytes ?? bytes };
  }

  async stat(key: string): Promise<{ bytes: number; storedAt: Date } | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      return { bytes: head.ContentLength ?? 0, storedAt: head.LastModified ?? new Date(0) };
    } catch (err) {
      if (
        err instanceof NotFound ||
        (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404
      )
        return undefined;
      throw err;
    }
  }

  async read(key: string, range?: { start: number; end: number }): Promise<Readable> {
    const object = await this.client.send(
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: this.key(key),
        Range: range ? `bytes=${range.start}-${range.end}` : undefined,
      }),
    );
    if (!(object.Body instanceof Readable)) throw new Error('unexpected S3 body type');
    return object.Body;
  }

  /** A SigV4 query-signed GET: the bucket serves the bytes (and Range) itself, not the gateway. */
  async presignedUrl(
    key: string,
    options: { ttlSeconds: number; fileName: string; contentType: string },
  ): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: this.key(key),
      ResponseContentDisposition: `attachment; filename="${options.fileName.replace(/["\\]/g, '')}"`,
      ResponseContentType: options.contentType,
    });
    return getSignedUrl(this.client, command, { expiresIn: options.ttlSeconds });
  }

  async remove(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
  }

  async listStoredBefore(cutoff: Date): Promise<string[]> {
    const found: string[] = [];
    let token: string | undefined;
    const prefix = this.prefix ? `${this.prefix.replace(/\/+$/, '')}/` : undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key && object.LastModified && object.LastModified < cutoff)
          found.push(prefix ? object.Key.slice(prefix.length) : object.Key);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found;
  }
}
