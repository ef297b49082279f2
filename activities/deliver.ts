import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { Context } from '@temporalio/activity';
import { encryptFile, readPublicKey } from '../src/crypto/pgp';
import type { Destination } from '../src/destinations';
import { InvalidKeyError } from '../src/errors';
import { contentTypeOfFile } from '../src/export/formats';
import {
  buildManifest,
  manifestFileName,
  splitFileName,
  type ManifestFile,
  type SplitPlan,
} from '../src/export/split';
import type { ExportEncryption, ExportRequest } from '../src/export/types';
import { findPgpKey } from '../src/store/pgp-keys';
import type { ActivityDeps } from './deps';
import type { StagedFile } from './export';
import { startWork, type Work, type WorkProgress } from './progress';

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

export interface DeliverFilesInput {
  readonly jobID: string;
  readonly owner: string;
  readonly files: readonly StagedFile[];
  readonly split: SplitPlan;
  readonly request: Pick<ExportRequest, 'exportType' | 'compress'>;
  readonly destination: Destination;
  readonly encryption?: ExportEncryption;
  readonly heartbeatTimeoutMs: number;
}

/** One file of a split job at its destination. */
export interface DeliveredSetFile extends ManifestFile {
  readonly location: string;
}

export interface DeliveredSet {
  readonly files: readonly DeliveredSetFile[];
  readonly manifest: { readonly name: string; readonly location: string };
  readonly expiresAt: string | null;
}

type Upload = WorkProgress & { bytesSent: number };
/** A split delivery's heartbeat: the files already at the destination, which a retry skips. */
type SetUpload = Upload & { delivered?: DeliveredSetFile[]; expiresAt?: string | null };

interface OneFile {
  readonly jobID: string;
  readonly owner: string;
  readonly localPath: string;
  readonly fileName: string;
  readonly bytes: number;
  readonly destination: Destination;
  readonly key: Awaited<ReturnType<typeof readPublicKey>>['key'] | undefined;
  /** One file of a set: internal storage links it by name, not as the job's download. */
  readonly inSet: boolean;
  readonly onProgress: (bytesSent: number) => void;
}

export function createDeliverActivities(deps: ActivityDeps) {
  return {
    /** Uploads the finished staging file to its destination, atomically, reporting bytes sent. */
    async deliverFile(input: DeliverFileInput): Promise<DeliveredFile> {
      const ctx = Context.current();
      const work = await startWork<Upload>(
        ctx,
        deps.lines.uploads,
        { bytesSent: 0 },
        'uploading',
        input.heartbeatTimeoutMs,
      );
      try {
        const key = input.encryption ? await encryptionKey(input.encryption, input.owner) : undefined;
        const sent = await deliverOne({
          ...input,
          localPath: input.stagingPath,
          key,
          inSet: false,
          onProgress: (bytesSent) => work.update({ bytesSent }),
        });
        return {
          location: sent.location,
          expiresAt: sent.expiresAt,
          ...(input.encryption ? { bytes: sent.bytes } : {}),
        };
      } finally {
        work.end();
      }
    },

    /**
     * Delivers a split export's files in order, then its manifest, last: its arrival says the set
     * is complete. A retried attempt skips the files its heartbeat says are delivered, so their
     * bytes (and an encrypted file's sha256) stay what the manifest will say.
     */
    async deliverFiles(input: DeliverFilesInput): Promise<DeliveredSet> {
      const ctx = Context.current();
      const previous = ctx.info.heartbeatDetails as SetUpload | undefined;
      const delivered: DeliveredSetFile[] = [...(previous?.delivered ?? [])];
      let expiresAt: string | null = previous?.expiresAt ?? null;
      const work: Work<SetUpload> = await startWork<SetUpload>(
        ctx,
        deps.lines.uploads,
        { bytesSent: 0, delivered, expiresAt },
        'uploading',
        input.heartbeatTimeoutMs,
      );
      const base = { jobID: input.jobID, owner: input.owner, destination: input.destination, inSet: true };
      try {
        const key = input.encryption ? await encryptionKey(input.encryption, input.owner) : undefined;
        const sentBefore = (): number => delivered.reduce((sum, f) => sum + f.bytes, 0);
        for (const [index, staged] of input.files.entries()) {
          if (index < delivered.length) continue;
          const name = splitFileName(input.split, index + 1);
          const before = sentBefore();
          const sent = await deliverOne({
            ...base,
            localPath: staged.stagingPath,
            fileName: name,
            bytes: staged.bytes,
            key,
            onProgress: (bytesSent) => work.update({ bytesSent: before + bytesSent }),
          });
          delivered.push({
            name,
            rows: staged.rows,
            bytes: sent.bytes,
            sha256: sent.sha256,
            location: sent.location,
          });
          expiresAt = sent.expiresAt;
          work.update({ bytesSent: sentBefore(), delivered: [...delivered], expiresAt });
        }
        const name = manifestFileName(input.split);
        const manifest = buildManifest(
          {
            name: input.split.stem,
            jobID: input.jobID,
            exportType: input.request.exportType,
            compress: input.request.compress,
            encrypted: input.encryption !== undefined,
            createdAt: new Date().toISOString(),
          },
          delivered,
        );
        const localPath = `${input.files[0]?.stagingPath ?? `${deps.config.stagingDir}/${input.jobID}`}.manifest`;
        const text = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
        await writeFile(localPath, text);
        try {
          // The manifest lists names, counts and digests, no contact data: it is never encrypted.
          const sent = await deliverOne({
            ...base,
            localPath,
            fileName: name,
            bytes: text.length,
            key: undefined,
            onProgress: () => undefined,
          });
          ctx.log.info('file set delivered', { jobID: input.jobID, files: delivered.length });
          return {
            files: delivered,
            manifest: { name, location: sent.location },
            expiresAt: sent.expiresAt ?? expiresAt,
          };
        } finally {
          await rm(localPath, { force: true });
        }
      } finally {
        work.end();
      }
    },
  };

  /** Encrypts (when asked) and uploads one file; the sha256 is of the bytes that left. */
  async function deliverOne(
    file: OneFile,
  ): Promise<{ location: string; expiresAt: string | null; bytes: number; sha256: string }> {
    const ctx = Context.current();
    const adapter = deps.destinations[file.destination.type];
    const started = Date.now();
    let localPath = file.localPath;
    let bytes = file.bytes;
    try {
      if (file.key) {
        localPath = `${file.localPath}.pgp`;
        bytes = await encryptFile(file.localPath, localPath, file.key, ctx.cancellationSignal);
      }
      const sha256 = file.inSet ? await sha256Of(localPath) : '';
      const result = await adapter.upload(file.destination, {
        jobID: file.jobID,
        owner: file.owner,
        localPath,
        fileName: file.fileName,
        contentType: contentTypeOfFile(file.fileName),
        bytes,
        ...(file.inSet ? { inSet: true } : {}),
        signal: ctx.cancellationSignal,
        onProgress: file.onProgress,
      });
      deps.metrics.uploadDuration.observe(
        { destination: file.destination.type },
        (Date.now() - started) / 1000,
      );
      ctx.log.info('file delivered', {
        jobID: file.jobID,
        type: file.destination.type,
        location: result.location,
      });
      return { location: result.location, expiresAt: result.expiresAt ?? null, bytes, sha256 };
    } finally {
      if (localPath !== file.localPath) await rm(localPath, { force: true });
    }
  }

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

async function sha256Of(filePath: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(filePath)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
