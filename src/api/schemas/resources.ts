import { z } from 'zod';
import { MAX_ARMORED_KEY_LENGTH } from '../../crypto/pgp';
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

/** POST /sftpkeys. */
export const sftpKeyCreateSchema = z.strictObject({
  name: sftpKeyNameSchema.describe('Name to use as `savedKey` in SFTP destinations'),
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
