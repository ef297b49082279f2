import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AuthenticationError } from '../errors';
import { ownerIdFor } from '../store/api-keys';

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** Looks up a presented key; resolves to its owner ID, or undefined when unknown. */
export type ApiKeyVerifier = (key: string) => Promise<string | undefined>;

/** Keys from API_KEYS, compared as SHA-256 digests in constant time. */
export function configuredKeysVerifier(keys: readonly string[]): ApiKeyVerifier {
  const digests = keys.map((k) => ({ digest: hashApiKey(k), owner: ownerIdFor(k) }));
  return (key) => {
    const presented = hashApiKey(key);
    let owner: string | undefined;
    // Compare against every key, so timing does not reveal which one matched or how many exist.
    for (const candidate of digests) {
      if (timingSafeEqual(presented, candidate.digest)) owner = candidate.owner;
    }
    return Promise.resolve(owner);
  };
}

export function anyOf(verifiers: readonly ApiKeyVerifier[]): ApiKeyVerifier {
  return async (key) => {
    for (const verify of verifiers) {
      const owner = await verify(key);
      if (owner) return owner;
    }
    return undefined;
  };
}

/** The API key from HTTP Basic auth: the key is the user name (as Cordial does); the password is ignored. */
export function apiKeyFrom(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const user = decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded;
  return user.length > 0 && user.length <= 256 ? user : undefined;
}

export function requireApiKey(verify: ApiKeyVerifier): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const key = apiKeyFrom(req);
    if (!key) {
      next(new AuthenticationError('an API key is required: HTTP Basic auth with the key as the user name'));
      return;
    }
    verify(key).then(
      (owner) => {
        if (!owner) {
          next(new AuthenticationError('unknown API key'));
          return;
        }
        res.locals.owner = owner;
        next();
      },
      (err: unknown) => next(err),
    );
  };
}

export function ownerOf(res: Response): string {
  const owner = res.locals.owner as unknown;
  if (typeof owner !== 'string') throw new AuthenticationError('not authenticated');
  return owner;
}
