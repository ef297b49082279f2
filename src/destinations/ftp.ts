import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { Client, FTPError } from 'basic-ftp';
import { z } from 'zod';
import {
  AppError,
  DestinationAuthError,
  DestinationPermissionError,
  DestinationUnavailableError,
} from '../errors';
import { credentialSchema, destinationPathSchema, portSchema, serverSchema } from '../schema/fields';
import { abortable } from './abortable';
import { resolveDestinationHost } from './host-guard';
import { networkError } from './network-errors';
import { remoteFile, remoteFolder, temporaryName } from './paths';
import {
  destinationModule,
  partnerServerRetry,
  type DestinationAdapter,
  type UploadRequest,
  type UploadResult,
} from './types';

const ftpSchema = z
  .strictObject({
    type: z.literal('ftp'),
    server: serverSchema,
    port: portSchema,
    username: credentialSchema,
    password: credentialSchema,
    path: destinationPathSchema.default('/'),
  })
  .describe('FTP (passive mode; explicit FTPS when the operator enables it). path is a folder.');

export type FtpDestination = z.output<typeof ftpSchema>;

export interface FtpOptions {
  readonly allowPrivate: boolean;
  /** `explicit`: AUTH TLS on the control connection and TLS data connections (FTPS). */
  readonly tls: 'off' | 'explicit';
  /** Extra CA certificate(s) to trust for FTPS (a partner's private CA, the tests' own). */
  readonly tlsCaFile?: string;
  readonly timeoutMs: number;
}

/** FTP with basic-ftp in passive mode: upload to a temporary name, then rename into place. */
export class FtpAdapter implements DestinationAdapter<FtpDestination> {
  private readonly ca: Buffer | undefined;

  constructor(private readonly options: FtpOptions) {
    this.ca = options.tlsCaFile ? readFileSync(options.tlsCaFile) : undefined;
  }

  private async connect(destination: FtpDestination, address: string): Promise<Client> {
    const client = new Client(this.options.timeoutMs);
    try {
      await client.access({
        host: address,
        port: destination.port,
        user: destination.username,
        password: destination.password,
        secure: this.options.tls === 'explicit',
        secureOptions: { servername: isIP(destination.server) ? undefined : destination.server, ca: this.ca },
      });
      return client;
    } catch (err) {
      client.close();
      throw classify(err, destination, 'login');
    }
  }

  async upload(destination: FtpDestination, request: UploadRequest): Promise<UploadResult> {
    const address = await resolveDestinationHost(destination.server, this.options.allowPrivate);
    const folder = remoteFolder(destination.path);
    const temp = temporaryName(request.fileName, request.jobID);
    const client = await this.connect(destination, address);
    const onAbort = (): void => client.close();
    request.signal.addEventListener('abort', onAbort, { once: true });
    try {
      await client.ensureDir(folder);
      client.trackProgress((info) => request.onProgress(info.bytesOverall));
      await abortable(client.uploadFrom(request.localPath, temp), request.signal);
      client.trackProgress();
      await client.rename(temp, request.fileName).catch(async () => {
        // Some servers refuse to rename over an existing file: replace it.
        await client.remove(request.fileName).catch(() => undefined);
        await client.rename(temp, request.fileName);
      });
      return {
        location: `ftp://${destination.server}:${destination.port}${remoteFile(folder, request.fileName)}`,
      };
    } catch (err) {
      await this.removeLeftover(destination, address, folder, temp, client);
      throw request.signal.aborted ? request.signal.reason : classify(err, destination, 'upload');
    } finally {
      request.signal.removeEventListener('abort', onAbort);
      client.close();
    }
  }

  /** Best effort: a failed or cancelled upload leaves no temporary file behind. */
  private async removeLeftover(
    destination: FtpDestination,
    address: string,
    folder: string,
    temp: string,
    client: Client,
  ): Promise<void> {
    try {
      const usable = client.closed ? await this.connect(destination, address) : client;
      await usable.remove(remoteFile(folder, temp), true);
      if (usable !== client) usable.close();
    } catch {
      // The server is gone; the deterministic temporary name lets the next attempt overwrite it.
    }
  }
}

function classify(err: unknown, destination: FtpDestination, step: string): AppError {
  if (err instanceof AppError) return err;
  const where = `FTP ${step} at ${destination.server}:${destination.port}`;
  // basic-ftp puts FTP reply codes (numbers) and socket errnos (strings) in the same field.
  if (err instanceof FTPError && typeof err.code === 'number') {
    if (err.code === 530)
      return new DestinationAuthError(
        `FTP login refused for user '${destination.username}' at ${destination.server}:${destination.port}: ${err.message}`,
      );
    if (err.code === 550 || err.code === 553 || err.code === 532)
      return new DestinationPermissionError(
        `${where}: permission denied (${err.code} ${err.message}); check destination.path`,
      );
    if (err.code >= 400 && err.code < 500)
      return new DestinationUnavailableError(`${where}: ${err.code} ${err.message}; will retry`);
    return new DestinationPermissionError(`${where}: ${err.code} ${err.message}`);
  }
  const network = networkError(err, where);
  if (network) return network;
  const message = err instanceof Error ? err.message : String(err);
  if (/certificate|self[- ]signed|TLS|SSL/i.test(message))
    return new DestinationAuthError(`${where}: TLS failed: ${message}`);
  return new DestinationUnavailableError(`${where}: ${message}; will retry`);
}

export const ftpDestination = destinationModule({
  type: 'ftp',
  schema: ftpSchema,
  secretFields: ['password'],
  retry: partnerServerRetry,
  createAdapter: ({ config }) =>
    new FtpAdapter({
      allowPrivate: config.allowPrivateDestinations,
      timeoutMs: config.destinationTimeoutMs,
      tls: config.ftpTls,
      tlsCaFile: config.ftpTlsCaFile,
    }),
});
