import { z } from 'zod';
import { MAX_ARMORED_KEY_LENGTH } from '../../crypto/pgp';
import { fingerprintPattern } from '../../destinations/host-keys';
import { portSchema, serverSchema } from '../../schema/fields';
import { audienceRuleSchema } from '../../export/audience';

export const audienceKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,100}$/, 'letters, digits, _ and - only, 1-100 characters');

/** PUT /audiences/{key}: a rule tree of all/any/not over {field, op, value} conditions (SPEC section 5). */
export const audiencePutSchema = z.strictObject({
  rule: audienceRuleSchema.describe(
    'all/any/not of {field, op, value}; ops eq, ne, gt, gte, lt, lte, in, exists, withinDays, inList',
  ),
});

export const sftpKeyNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,100}$/, 'letters, digits, _ and - only, 1-100 characters');

const hostKeyFingerprintSchema = z
  .string()
  .regex(fingerprintPattern, 'expected SHA256:<43 base64 characters>, as ssh-keygen -lf prints it');

/** POST /sftpkeys. */
export const sftpKeyCreateSchema = z.strictObject({
  name: sftpKeyNameSchema.describe('Name to use as `savedKey` in SFTP destinations'),
  hostKeyFingerprint: hostKeyFingerprintSchema
    .optional()
    .describe("The partner server's host key (GET /sftphostkeys), pinned for every upload with this key"),
});

/** PATCH /sftpkeys/{name}: pin the partner server's host key, or unpin it with null. */
export const sftpKeyPatchSchema = z.strictObject({
  hostKeyFingerprint: hostKeyFingerprintSchema.nullable().describe('SHA256:… to pin, null to unpin'),
});

/** GET /sftphostkeys: the server to ask. */
export const sftpHostKeysQuerySchema = z.strictObject({
  server: serverSchema,
  port: portSchema.optional(),
});

/** The Idempotency-Key header: printable ASCII, 1-200 characters. */
export const idempotencyKeySchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,200}$/, 'expected 1-200 printable ASCII characters without spaces');

/** PUT /pgpkeys/{name}: an armored public key. */
export const pgpKeyPutSchema = z.strictObject({
  publicKey: z
    .string()
    .min(1, 'must not be empty')
    .max(MAX_ARMORED_KEY_LENGTH)
    .describe('An armored OpenPGP public key (gpg --armor --export); private keys are refused'),
});
