import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks (https://www.standardwebhooks.com) signing: the secret is `whsec_<base64>`,
 * the signed content `{id}.{timestamp}.{body}`, the header `v1,<base64 HMAC-SHA256>`.
 */
export const webhookSecretPattern = /^whsec_[A-Za-z0-9+/]{32,}={0,2}$/;

/** The secret's key bytes (what follows `whsec_`, base64-decoded). */
export function webhookKey(secret: string): Buffer {
  return Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
}

export function signWebhook(key: Buffer, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** The headers of one delivery attempt: the id stays the same across retries, the time does not. */
export function webhookHeaders(
  key: Buffer,
  id: string,
  body: string,
  now = new Date(),
): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook(key, id, timestamp, body),
  };
}

/**
 * What a receiver does (README shows it): recompute the signature, compare in constant time, and
 * refuse timestamps more than `toleranceSeconds` away from now (replays).
 */
export function verifyWebhook(
  key: Buffer,
  headers: { id: string; timestamp: string; signature: string },
  body: string,
  now = new Date(),
  toleranceSeconds = 300,
): boolean {
  const timestamp = Number(headers.timestamp);
  if (!Number.isInteger(timestamp) || Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds)
    return false;
  const expected = Buffer.from(signWebhook(key, headers.id, timestamp, body));
  return headers.signature.split(' ').some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
