import { createHash } from 'node:crypto';
import { Client } from 'ssh2';
import { DestinationUnavailableError } from '../errors';

/** A host key's fingerprint as OpenSSH prints it (`ssh-keygen -lf`): SHA256:<base64, no padding>. */
export function hostKeyFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** `SHA256:` and 43 base64 characters (an optional trailing `=` is accepted and ignored). */
export const fingerprintPattern = /^SHA256:[A-Za-z0-9+/]{43}=?$/;

export function sameFingerprint(a: string, b: string): boolean {
  return a.replace(/=+$/, '') === b.replace(/=+$/, '');
}

/** The SSH wire name of a host key blob's type (its first string): ssh-ed25519, ecdsa-…, ssh-rsa. */
function keyType(key: Buffer): string {
  const length = key.readUInt32BE(0);
  return key.subarray(4, 4 + length).toString('ascii');
}

/** The host key algorithms to ask for, one family per connection, so each key the server has shows. */
const FAMILIES: readonly (readonly string[])[] = [
  ['ssh-ed25519'],
  ['ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521'],
  ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
];

export interface PresentedHostKey {
  readonly type: string;
  readonly fingerprint: string;
}

/**
 * The host keys a server presents now (trust on first use): one handshake per key family, each
 * stopped at host-key verification, so nothing is authenticated and nothing is sent.
 */
export async function presentedHostKeys(
  address: string,
  port: number,
  timeoutMs: number,
): Promise<PresentedHostKey[]> {
  const found: PresentedHostKey[] = [];
  let reached = false;
  for (const family of FAMILIES) {
    const key = await new Promise<Buffer | undefined>((resolve) => {
      const client = new Client();
      let seen: Buffer | undefined;
      const done = (): void => {
        client.removeAllListeners();
        client.on('error', () => undefined);
        client.end();
        resolve(seen);
      };
      client.on('error', done);
      client.on('close', done);
      client.on('ready', done);
      client.connect({
        host: address,
        port,
        username: 'contact-exports-host-key-probe',
        readyTimeout: timeoutMs,
        algorithms: { serverHostKey: [...family] as never },
        hostVerifier: (presented: Buffer) => {
          seen = presented;
          reached = true;
          return false;
        },
      });
    });
    if (key && !found.some((f) => f.fingerprint === hostKeyFingerprint(key)))
      found.push({ type: keyType(key), fingerprint: hostKeyFingerprint(key) });
  }
  if (!reached) throw new DestinationUnavailableError(`no SSH server answered at ${address}:${port}`);
  return found;
}
