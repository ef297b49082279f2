import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Named 256-bit keys; the first is active (new data), the others only read old data, so keys can
 * rotate. Used for secrets at rest (saved SFTP keys), keyed request digests and, through the
 * Temporal payload codec, for everything Temporal stores.
 */
export interface Keyring {
  readonly active: NamedKey;
  get(id: string): Buffer | undefined;
  readonly ids: readonly string[];
}

export interface NamedKey {
  readonly id: string;
  readonly key: Buffer;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** Parses `id:base64key[,id:base64key...]`; each key must decode to exactly 32 bytes. */
export function parseKeyring(spec: string): Keyring {
  const keys: NamedKey[] = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry, i) => {
      const at = entry.indexOf(':');
      const id = at > 0 ? entry.slice(0, at) : '';
      if (!KEY_ID.test(id))
        throw new Error(`key ${i + 1}: expected "id:base64key" with an id of letters, digits, _ or -`);
      const key = Buffer.from(entry.slice(at + 1), 'base64');
      if (key.length !== 32)
        throw new Error(
          `key "${id}": expected 32 bytes of base64 (openssl rand -base64 32), got ${key.length}`,
        );
      return { id, key };
    });
  const first = keys[0];
  if (!first) throw new Error('expected at least one key');
  const ids = keys.map((k) => k.id);
  if (new Set(ids).size !== ids.length) throw new Error('key ids must be unique');
  return { active: first, ids, get: (id) => keys.find((k) => k.id === id)?.key };
}

export function generateKeySpec(id = 'k1'): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

const SEALED_PREFIX = 'sealed:v1';

/** AES-256-GCM with the active key: `sealed:v1:<keyId>:<iv>:<ciphertext+tag>` (base64url parts). */
export function seal(keyring: Keyring, plaintext: Buffer, associatedData = ''): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyring.active.key, iv);
  cipher.setAAD(Buffer.from(associatedData));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return [SEALED_PREFIX, keyring.active.id, iv.toString('base64url'), body.toString('base64url')].join(':');
}

export function unseal(keyring: Keyring, sealed: string, associatedData = ''): Buffer {
  const parts = sealed.split(':');
  if (parts.length !== 5 || `${parts[0]}:${parts[1]}` !== SEALED_PREFIX)
    throw new Error('not a sealed value');
  const [, , id, ivText, bodyText] = parts as [string, string, string, string, string];
  const key = keyring.get(id);
  if (!key) throw new Error(`sealed with key "${id}", which is not in ENCRYPTION_KEYS`);
  const body = Buffer.from(bodyText, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(ivText, 'base64url'));
  decipher.setAAD(Buffer.from(associatedData));
  decipher.setAuthTag(body.subarray(body.length - 16));
  return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
}

/** A keyed digest `keyId:hex`, safe to store beside data whose secrets it covers. */
export function keyedDigest(keyring: Keyring, data: string, keyId = keyring.active.id): string {
  const key = keyring.get(keyId);
  if (!key) throw new Error(`unknown key "${keyId}"`);
  return `${keyId}:${createHmac('sha256', key).update(data).digest('hex')}`;
}

/** Whether `digest` (from keyedDigest, possibly under an older key) covers `data`. */
export function digestMatches(keyring: Keyring, digest: string, data: string): boolean {
  const keyId = digest.slice(0, digest.indexOf(':'));
  if (!keyring.get(keyId)) return false;
  const expected = Buffer.from(keyedDigest(keyring, data, keyId));
  const given = Buffer.from(digest);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
