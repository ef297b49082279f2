import { rm } from 'node:fs/promises';
import { Context } from '@temporalio/activity';
import { encryptFile, readPublicKey } from '../src/crypto/pgp';
import type { Destination } from '../src/destinations';
import { InvalidKeyError } from '../src/errors';
import { contentTypeOfFile } from '../src/export/formats';
import type { ExportEncryption } from '../src/export/types';
import { findPgpKey } from '../src/store/pgp-keys';
import type { ActivityDeps } from './deps';
import { startWork, type WorkProgress } from './progress';

export interface DeliverFileInput {
  readonly jobID: string;
  readonly owner: string;
  readonly stagingPath: string;
  readonly fileName: string;
  readonly bytes: number;
  readonly destination: Destination;
  /** Encrypt the file to this OpenPGP key before it leaves (`fileName` already ends in .pgp). */
  readonly encryption?: ExportEncryption;
  /** Unused since progress travels in heartbeats; kept in the input for recorded histories. */
  readonly progressIntervalMs?: number;
  readonly heartbeatTimeoutMs: number;
}

export interface DeliveredFile {
  readonly location: string;
  readonly expiresAt: string | null;
  /** The size delivered, when it differs from the staging file's (encrypted files). */
  readonly bytes?: number;
}

export function createDeliverActivities(deps: ActivityDeps) {
  return {
    /** Uploads the finished staging file to its destination, atomically, reporting bytes sent. */
    async deliverFile(input: DeliverFileInput): Promise<DeliveredFile> {
      const ctx = Context.current();
      const adapter = deps.destinations[input.destination.type];
      const work = await startWork<WorkProgress & { bytesSent: number }>(
        ctx,
        deps.lines.uploads,
        { bytesSent: 0 },
        'uploading',
        input.heartbeatTimeoutMs,
      );
      const started = Date.now();
      let localPath = input.stagingPath;
      let bytes = input.bytes;
      try {
        if (input.encryption) {
          localPath = `${input.stagingPath}.pgp`;
          const key = await encryptionKey(input.encryption, input.owner);
          bytes = await encryptFile(input.stagingPath, localPath, key, ctx.cancellationSignal);
        }
        const result = await adapter.upload(input.destination, {
          jobID: input.jobID,
          owner: input.owner,
          localPath,
          fileName: input.fileName,
          contentType: contentTypeOfFile(input.fileName),
          bytes,
          signal: ctx.cancellationSignal,
          onProgress: (bytesSent) => work.update({ bytesSent }),
        });
        deps.metrics.uploadDuration.observe(
          { destination: input.destination.type },
          (Date.now() - started) / 1000,
        );
        ctx.log.info('file delivered', {
          jobID: input.jobID,
          type: input.destination.type,
          location: result.location,
        });
        return {
          location: result.location,
          expiresAt: result.expiresAt ?? null,
          ...(input.encryption ? { bytes } : {}),
        };
      } finally {
        work.end();
        if (localPath !== input.stagingPath) await rm(localPath, { force: true });
      }
    },
  };

  /** The key to encrypt to, checked again now: a saved key may be gone, any key may have expired. */
  async function encryptionKey(encryption: ExportEncryption, owner: string) {
    let armored = encryption.publicKey;
    if (armored === undefined) {
      const saved = await findPgpKey(deps.db, owner, encryption.savedKey ?? '');
      if (!saved)
        throw new InvalidKeyError(
          `saved PGP key "${encryption.savedKey ?? ''}" no longer exists (PUT /pgpkeys/{name} to save it again)`,
        );
      armored = saved.publicKey;
    }
    return (await readPublicKey(armored)).key;
  }
}
