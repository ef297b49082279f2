import type { Keyring } from '../crypto/keyring';
import { digestMatches, keyedDigest } from '../crypto/keyring';
import { RequestValidationError } from '../errors';

/**
 * A page cursor of GET /jobs: Temporal's page token in an envelope the gateway signs and binds to
 * the query it came from. A cursor that was not made by this service for this query is refused at
 * once (400), instead of reaching Temporal, which answers made-up tokens with UNKNOWN after retries.
 * Format: base64url(token) "." keyed digest over the token and the query.
 */
export function encodeCursor(keyring: Keyring, token: Uint8Array, query: string): string {
  const body = Buffer.from(token).toString('base64url');
  return `${body}.${keyedDigest(keyring, `${body}\n${query}`).replace(':', '~')}`;
}

const invalid = (): RequestValidationError =>
  new RequestValidationError('invalid cursor', [
    { path: 'cursor', message: 'not a cursor from a previous page of this query' },
  ]);

export function decodeCursor(keyring: Keyring, cursor: string, query: string): Uint8Array {
  const dot = cursor.indexOf('.');
  if (dot <= 0) throw invalid();
  const body = cursor.slice(0, dot);
  const digest = cursor.slice(dot + 1).replace('~', ':');
  if (!/^[A-Za-z0-9_-]+$/.test(body) || !digestMatches(keyring, digest, `${body}\n${query}`)) throw invalid();
  return Buffer.from(body, 'base64url');
}
