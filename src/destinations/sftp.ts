import SftpClient from 'ssh2-sftp-client';
import { z } from 'zod';
import type { Keyring } from '../crypto/keyring';
import {
  AppError,
  DestinationAuthError,
  DestinationHostKeyError,
  DestinationNotFoundError,
  DestinationPermissionError,
  DestinationUnavailableError,
} from '../errors';
import {
  credentialSchema,
  destinationPathSchema,
  portSchema,
  serverSchema,
  text,
  exactlyOne,
} from '../schema/fields';
import { loadSftpPrivateKey } from '../store/sftp-keys';
import { abortable } from './abortable';
import { fingerprintPattern, hostKeyFingerprint, sameFingerprint } from './host-keys';
import { resolveDestinationHost } from './host-guard';
import { networkError } from './network-errors';
import { remoteFile, remoteFolder, temporaryName } from './paths';
import {
  destinationModule,
  partnerServerRetry,
  type DestinationAdapter,
  type DestinationContext,
  type UploadRequest,
  type UploadResult,
} from './types';

const credential = exactlyOne('password', 'savedKey');

const sftpSchema = z
  .strictObject({
    type: z.literal('sftp'),
    server: serverSchema,
    port: portSchema,
    username: credentialSchema,
    password: credentialSchema.optional(),
    savedKey: text(100).optional(),
    path: destinationPathSchema.default('/'),
    hostKeyFingerprint: z
      .string()
      .regex(fingerprintPattern, 'expected SHA256:<43 base64 characters>, as ssh-keygen -lf prints it')
      .optional()
      .describe(
        "The server's host key as `ssh-keygen -lf` prints it (SHA256:…; GET /sftphostkeys shows it). Another key fails the job at once, before anything is sent.",
      ),
  })
  .describe('SFTP with a password or a saved key (POST /sftpkeys). path is a folder.')
  .superRefine(credential.check);

export type SftpDestination = z.output<typeof sftpSchema>;

export interface SftpOptions {
  readonly allowPrivate: boolean;
  /** SFTP_REQUIRE_HOST_KEY: never connect without a pinned host key. */
  readonly requireHostKey: boolean;
  readonly timeoutMs: number;
  readonly db: DestinationContext['db'];
  readonly keyring: Keyring;
}

/** SFTP with ssh2-sftp-client: password or saved key; upload to a temporary name, then rename. */
export class SftpAdapter implements DestinationAdapter<SftpDestination> {
  constructor(private readonly options: SftpOptions) {}

  /** How to log in, and the host key to insist on (the request's pin, else its saved key's). */
  private async login(
    destination: SftpDestination,
  ): Promise<{ auth: { password: string } | { privateKey: string }; pin: string | undefined }> {
    if (destination.password !== undefined)
      return { auth: { password: destination.password }, pin: destination.hostKeyFingerprint };
    const name = destination.savedKey ?? '';
    const saved = await loadSftpPrivateKey(this.options.db, this.options.keyring, name);
    if (!saved)
      throw new DestinationAuthError(
        `saved SFTP key "${name}" no longer exists (POST /sftpkeys to create it)`,
      );
    return {
      auth: { privateKey: saved.privateKey },
      pin: destination.hostKeyFingerprint ?? saved.hostKeyFingerprint,
    };
  }

  private async connect(destination: SftpDestination, address: string): Promise<SftpClient> {
    const { auth, pin } = await this.login(destination);
    const where = `${destination.server}:${destination.port}`;
    if (!pin && this.options.requireHostKey)
      throw new DestinationHostKeyError(
        `no host key pinned for ${where} and SFTP_REQUIRE_HOST_KEY is on: set destination.hostKeyFingerprint`,
      );
    let presented: string | undefined;
    const client = new SftpClient('contact-exports');
    try {
      await client.connect({
        host: address,
        port: destination.port,
        username: destination.username,
        ...auth,
        readyTimeout: this.options.timeoutMs,
        // Temporal retries the whole upload with backoff; no hidden retries underneath.
        retries: 0,
        // Checked before authentication: a wrong key ends the handshake with nothing sent.
        ...(pin
          ? {
              hostVerifier: (key: Buffer) => {
                presented = hostKeyFingerprint(key);
                return sameFingerprint(presented, pin);
              },
            }
          : {}),
      });
      return client;
    } catch (err) {
      await client.end().catch(() => undefined);
      if (pin && presented && !sameFingerprint(presented, pin))
        throw new DestinationHostKeyError(
          `SFTP server ${where} presented host key ${presented}, not the pinned ${pin}: nothing was sent (a changed server key, or someone in between)`,
        );
      throw classify(err, destination, 'login');
    }
  }

  async upload(destination: SftpDestination, request: UploadRequest): Promise<UploadResult> {
    const address = await resolveDestinationHost(destination.server, this.options.allowPrivate);
    const folder = remoteFolder(destination.path);
    const finalPath = remoteFile(folder, request.fileName);
    const tempPath = remoteFile(folder, temporaryName(request.fileName, request.jobID));
    const client = await this.connect(destination, address);
    const onAbort = (): void => void client.end().catch(() => undefined);
    request.signal.addEventListener('abort', onAbort, { once: true });
    try {
      if (folder !== '/' && !(await client.exists(folder))) await client.mkdir(folder, true);
      await abortable(
        client.fastPut(request.localPath, tempPath, {
          step: (transferred) => request.onProgress(transferred),
        }),
        request.signal,
      );
      try {
        // posix-rename@openssh.com replaces an existing file atomically.
        await client.posixRename(tempPath, finalPath);
      } catch {
        if (await client.exists(finalPath)) await client.delete(finalPath);
        await client.rename(tempPath, finalPath);
      }
      return { location: `sftp://${destination.server}:${destination.port}${finalPath}` };
    } catch (err) {
      await this.removeLeftover(destination, address, tempPath, client, request.signal.aborted);
      throw request.signal.aborted ? request.signal.reason : classify(err, destination, 'upload');
    } finally {
      request.signal.removeEventListener('abort', onAbort);
      await client.end().catch(() => undefined);
    }
  }

  private async removeLeftover(
    destination: SftpDestination,
    address: string,
    tempPath: string,
    client: SftpClient,
    closed: boolean,
  ): Promise<void> {
    try {
      const usable = closed ? await this.connect(destination, address) : client;
      if (await usable.exists(tempPath)) await usable.delete(tempPath);
      if (usable !== client) await usable.end();
    } catch {
      // Unreachable now; the deterministic temporary name lets the next attempt overwrite it.
    }
  }
}

function classify(err: unknown, destination: SftpDestination, step: string): AppError {
  if (err instanceof AppError) return err;
  const where = `SFTP ${step} at ${destination.server}:${destination.port}`;
  const message = err instanceof Error ? err.message : String(err);
  const level = (err as { level?: string }).level;
  const code = (err as { code?: unknown }).code;
  if (level === 'client-authentication' || /authentication methods failed|auth/i.test(message)) {
    const how = destination.savedKey ? `saved key '${destination.savedKey}'` : 'password';
    return new DestinationAuthError(
      `SFTP login refused for user '${destination.username}' at ${destination.server}:${destination.port} (${how})`,
    );
  }
  if (code === 3 || /permission denied/i.test(message))
    return new DestinationPermissionError(`${where}: permission denied; check destination.path (${message})`);
  if (code === 2 || /no such file/i.test(message))
    return new DestinationNotFoundError(`${where}: no such folder (${message})`);
  const network = networkError(err, where);
  if (network) return network;
  if (level === 'client-timeout' || /timed out/i.test(message))
    return new DestinationUnavailableError(`${where}: timed out; will retry`);
  return new DestinationUnavailableError(`${where}: ${message}; will retry`);
}

export const sftpDestination = destinationModule({
  type: 'sftp',
  schema: sftpSchema,
  jsonSchema: credential.jsonSchema,
  secretFields: ['password'],
  retry: partnerServerRetry,
  createAdapter: ({ config, db }) =>
    new SftpAdapter({
      allowPrivate: config.allowPrivateDestinations,
      requireHostKey: config.sftpRequireHostKey,
      timeoutMs: config.destinationTimeoutMs,
      db,
      keyring: config.keyring,
    }),
});
