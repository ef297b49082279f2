import type { Db } from 'mongodb';
import { readPublicKey } from '../crypto/pgp';
import {
  CallbacksDisabledError,
  InvalidKeyError,
  RequestValidationError,
  UnknownReferenceError,
  type ErrorDetail,
} from '../errors';
import { findPgpKey } from '../store/pgp-keys';
import { unknownFieldProblems, unknownListProblems } from '../export/columns';
import type { ExportRequest } from '../jobs/types';
import { findAudience } from '../store/audiences';
import type { CatalogCache } from './catalog-cache';
import { findSftpKey, sftpKeyExists } from '../store/sftp-keys';
import { isPrivateAddress } from '../destinations/host-guard';
import { lookup } from 'node:dns/promises';

/**
 * The first private address a host is or resolves to (within 2 s), or undefined. A host that does
 * not resolve now is let through: delivery resolves again and fails with its own clear message.
 */
async function privateAddressOf(host: string): Promise<string | undefined> {
  const resolved = await Promise.race([
    lookup(host, { all: true, verbatim: true }).catch(() => []),
    new Promise<{ address: string }[]>((resolve) => setTimeout(() => resolve([]), 2000).unref()),
  ]);
  return resolved.find((a) => isPrivateAddress(a.address))?.address;
}

/**
 * Semantic checks before a job starts (HTTP 422): every field, list and audience named by the
 * request exists in the contact store. Each problem is reported, not only the first.
 */
export interface StoreChecks {
  /** WEBHOOK_SECRET is set: callbacks can be signed. */
  readonly callbacksEnabled: boolean;
  /** ALLOW_PRIVATE_DESTINATIONS. */
  readonly allowPrivate: boolean;
  /** SFTP_REQUIRE_HOST_KEY: an SFTP destination must pin its server's host key. */
  readonly requireSftpHostKey: boolean;
  /** The API key's owner ID: saved PGP keys are theirs. */
  readonly owner: string;
}

export async function validateAgainstStore(
  db: Db,
  catalog: CatalogCache,
  request: ExportRequest,
  { allowPrivate, requireSftpHostKey, owner, callbacksEnabled }: StoreChecks,
): Promise<void> {
  if (request.callbackUrl !== undefined && !callbacksEnabled) {
    const message = 'this service signs callbacks with WEBHOOK_SECRET, which is not set: callbacks are off';
    throw new CallbacksDisabledError(`callbackUrl: ${message}`, [{ path: 'callbackUrl', message }]);
  }
  if (requireSftpHostKey) await assertHostKeyPinned(db, request);
  const keyProblems = await encryptionKeyProblems(db, request, owner);
  const savedKey = request.destination.type === 'sftp' ? request.destination.savedKey : undefined;
  const [cached, audience, keyExists] = await Promise.all([
    catalog.get(),
    request.audienceKey === undefined ? Promise.resolve(undefined) : findAudience(db, request.audienceKey),
    savedKey === undefined ? Promise.resolve(true) : sftpKeyExists(db, savedKey),
  ]);
  const catalogProblems = (schema: Parameters<typeof unknownFieldProblems>[1]): ErrorDetail[] => [
    ...unknownFieldProblems(request.fields, schema),
    ...unknownListProblems(request.lists, schema),
  ];
  let problems = catalogProblems(cached);
  // The cache may predate a field or list created a moment ago: refuse only on a fresh read.
  if (problems.length > 0) problems = catalogProblems(await catalog.fresh());
  if (request.audienceKey !== undefined && !audience) {
    problems.push({
      path: 'audience-key',
      message: `unknown audience "${request.audienceKey}": no saved audience has this key`,
    });
  }
  const host =
    request.destination.type === 'ftp' || request.destination.type === 'sftp'
      ? request.destination.server
      : undefined;
  if (host !== undefined && !allowPrivate) {
    const blocked = await privateAddressOf(host);
    if (blocked) {
      problems.push({
        path: 'destination.server',
        message: `"${host}" is (or resolves to) ${blocked}, a loopback/private/link-local address; such destinations are refused`,
      });
    }
  }
  if (request.callbackUrl !== undefined && !allowPrivate) {
    const callbackHost = new URL(request.callbackUrl).hostname.replace(/^\[|\]$/g, '');
    const blocked = await privateAddressOf(callbackHost);
    if (blocked)
      problems.push({
        path: 'callbackUrl',
        message: `"${callbackHost}" is (or resolves to) ${blocked}, a loopback/private/link-local address; such callbacks are refused`,
      });
  }
  if (!keyExists) {
    problems.push({
      path: 'destination.savedKey',
      message: `unknown SFTP key "${savedKey}": create it with POST /sftpkeys`,
    });
  }
  const unknown = keyProblems.filter((p) => p.unknown);
  problems.push(...unknown);
  if (problems.length > 0) {
    throw new UnknownReferenceError(problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems);
  }
  if (keyProblems.length > 0) {
    const details = keyProblems.map(({ path, message }) => ({ path, message }));
    throw new InvalidKeyError(details.map((p) => `${p.path}: ${p.message}`).join('; '), details);
  }
}

/** With SFTP_REQUIRE_HOST_KEY, an SFTP destination pins a host key (itself or through its saved key). */
async function assertHostKeyPinned(db: Db, request: ExportRequest): Promise<void> {
  const destination = request.destination;
  if (destination.type !== 'sftp' || destination.hostKeyFingerprint !== undefined) return;
  if (destination.savedKey !== undefined) {
    const saved = await findSftpKey(db, destination.savedKey);
    if (saved?.hostKeyFingerprint) return;
  }
  const message =
    'required: this service pins SFTP host keys (SFTP_REQUIRE_HOST_KEY); get the fingerprint with GET /sftphostkeys?server=…&port=…';
  throw new RequestValidationError(`destination.hostKeyFingerprint: ${message}`, [
    { path: 'destination.hostKeyFingerprint', message },
  ]);
}

/**
 * The PGP key a request encrypts to must encrypt now: parse, be public, not expired or revoked,
 * have an encryption subkey. A saved key must exist for this API key (`unknown`).
 */
async function encryptionKeyProblems(
  db: Db,
  request: ExportRequest,
  owner: string,
): Promise<(ErrorDetail & { unknown?: boolean })[]> {
  const encryption = request.encryption;
  if (!encryption) return [];
  let armored = encryption.publicKey;
  const path = armored !== undefined ? 'encryption.publicKey' : 'encryption.savedKey';
  if (armored === undefined && encryption.savedKey !== undefined) {
    const saved = await findPgpKey(db, owner, encryption.savedKey);
    if (!saved) {
      return [
        {
          path,
          message: `unknown PGP key "${encryption.savedKey}": save it with PUT /pgpkeys/${encryption.savedKey}`,
          unknown: true,
        },
      ];
    }
    armored = saved.publicKey;
  }
  if (armored === undefined) return [];
  try {
    await readPublicKey(armored);
    return [];
  } catch (err) {
    if (err instanceof InvalidKeyError) return [{ path, message: err.message }];
    throw err;
  }
}
