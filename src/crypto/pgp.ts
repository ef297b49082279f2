import { createReadStream, createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type * as OpenPgp from 'openpgp' with { 'resolution-mode': 'import' };
import { InvalidKeyError } from '../errors';

// openpgp's types are ESM only; its CommonJS build (package.json "require") is the same API.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const openpgp = require('openpgp') as typeof OpenPgp;

/** What the service shows of an OpenPGP public key (never needs more). */
export interface PgpKeyInfo {
  readonly fingerprint: string;
  readonly userIDs: string[];
  readonly algorithm: string;
  /** When the key stops encrypting, or null if never. */
  readonly expiresAt: string | null;
}

/** The most an armored public key may weigh (a 4096-bit RSA key with subkeys is ~3-10 KB). */
export const MAX_ARMORED_KEY_LENGTH = 65_536;

/**
 * Reads an armored OpenPGP public key and checks that files can be encrypted to it now: it parses,
 * is public (a private key is refused, never stored), and has a valid, unexpired, unrevoked
 * encryption key. Throws InvalidKeyError with the reason.
 */
export async function readPublicKey(armored: string): Promise<{ key: OpenPgp.PublicKey; info: PgpKeyInfo }> {
  let key: OpenPgp.Key;
  try {
    key = await openpgp.readKey({ armoredKey: armored });
  } catch (err) {
    throw new InvalidKeyError(`not an armored OpenPGP public key (${errorText(err)})`);
  }
  if (key.isPrivate()) {
    throw new InvalidKeyError('this is a private key: give the public key only (gpg --armor --export)');
  }
  const publicKey = key;
  const expiry = await publicKey.getExpirationTime();
  if (expiry instanceof Date && expiry.getTime() <= Date.now()) {
    throw new InvalidKeyError(`the key expired on ${expiry.toISOString()}`);
  }
  if (await publicKey.isRevoked()) throw new InvalidKeyError('the key is revoked');
  try {
    await publicKey.getEncryptionKey();
  } catch (err) {
    throw new InvalidKeyError(`the key cannot encrypt (${errorText(err)})`);
  }
  const algorithm = publicKey.getAlgorithmInfo();
  return {
    key: publicKey,
    info: {
      fingerprint: publicKey.getFingerprint().toUpperCase(),
      userIDs: publicKey.getUserIDs(),
      algorithm:
        'bits' in algorithm && algorithm.bits
          ? `${algorithm.algorithm} ${algorithm.bits}`
          : algorithm.algorithm,
      expiresAt: expiry instanceof Date ? expiry.toISOString() : null,
    },
  };
}

/**
 * Encrypts a file to the key as an OpenPGP binary message (what `gpg --decrypt` reads), streaming:
 * memory stays flat whatever the file's size. Returns the encrypted file's size.
 */
export async function encryptFile(
  source: string,
  target: string,
  key: OpenPgp.PublicKey,
  signal?: AbortSignal,
): Promise<number> {
  const message = await openpgp.createMessage({
    binary: Readable.toWeb(
      createReadStream(source, { highWaterMark: 1 << 20 }),
    ) as ReadableStream<Uint8Array>,
  });
  // A web stream of the message's bytes (its type, from openpgp's stream library, is not exported).
  const encrypted = (await openpgp.encrypt({
    message,
    encryptionKeys: key,
    format: 'binary',
  })) as unknown as WebReadableStream<Uint8Array>;
  const output = createWriteStream(target);
  let bytes = 0;
  await pipeline(
    Readable.fromWeb(encrypted),
    async function* (chunks: AsyncIterable<Uint8Array>) {
      for await (const chunk of chunks) {
        bytes += chunk.byteLength;
        yield chunk;
      }
    },
    output,
    { signal },
  );
  return bytes;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
