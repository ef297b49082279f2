import { z } from 'zod';
import type { Destination } from '../../jobs/types';
import { credentialSchema, destinationPathSchema, portSchema, serverSchema, text } from './common';

/** The SFTP rule "password or savedKey, exactly one", as JSON Schema can say it. */
export const sftpCredentialRule = { oneOf: [{ required: ['password'] }, { required: ['savedKey'] }] };

// Legacy S3 bucket names (us-east-1, before 2018) may hold capitals and underscores, as the seed's
// own "my_bucket" example does; whether the bucket exists is for the upload to find out.
const s3Bucket = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$/,
    'expected an S3 bucket name (letters, digits, dots, dashes, underscores)',
  );
const gcsBucket = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/,
    'expected a GCS bucket name (lower-case letters, digits, dots, dashes, underscores)',
  );

/** One strict schema per destination type (SPEC section 2); unknown keys are refused by name. */
export const destinationSchemas = {
  aws: z
    .strictObject({ type: z.literal('aws') })
    .describe('Internal storage, downloadable from GET /jobs/{jobID}/download for 30 days'),
  ftp: z
    .strictObject({
      type: z.literal('ftp'),
      server: serverSchema,
      port: portSchema,
      username: credentialSchema,
      password: credentialSchema,
      path: destinationPathSchema.default('/'),
    })
    .describe('FTP (passive mode; explicit FTPS when the operator enables it). path is a folder.'),
  sftp: z
    .strictObject({
      type: z.literal('sftp'),
      server: serverSchema,
      port: portSchema,
      username: credentialSchema,
      password: credentialSchema.optional(),
      savedKey: text(100).optional(),
      path: destinationPathSchema.default('/'),
    })
    .describe('SFTP with a password or a saved key (POST /sftpkeys). path is a folder.')
    .superRefine((d, ctx) => {
      if ((d.password === undefined) === (d.savedKey === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: [d.password === undefined ? 'password' : 'savedKey'],
          message: 'give either password or savedKey (exactly one)',
        });
      }
    }),
  s3: z
    .strictObject({
      type: z.literal('s3'),
      aws_access_key_id: credentialSchema,
      aws_secret_access_key: credentialSchema,
      aws_bucket: s3Bucket,
      aws_region: z
        .string()
        .regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'expected an AWS region such as us-west-2'),
      path: destinationPathSchema.default(''),
    })
    .describe('Amazon S3. path is a folder, or folder + file name when its last segment has an extension.'),
  gcs: z
    .strictObject({
      type: z.literal('gcs'),
      gcs_bucket: gcsBucket,
      path: destinationPathSchema.default(''),
    })
    .describe("Google Cloud Storage with the operator's credentials. path is a folder."),
} as const;

export const destinationTypes = Object.keys(destinationSchemas) as (keyof typeof destinationSchemas)[];

/**
 * `destination`: dispatched on `type` (any case) to its strict schema, with issues reported at
 * their full path (destination.port). Built by hand rather than as a zod union so a wrong port
 * says "destination.port: ..." instead of "no union member matched".
 */
export const destinationSchema = z
  .looseObject({
    type: z.string({ message: `required: one of ${destinationTypes.join(', ')}` }),
  })
  .transform((raw, ctx): Destination => {
    const type = raw.type.toLowerCase();
    // Own keys only: "__proto__", "constructor" or "toString" must not reach an inherited member.
    const schema = Object.hasOwn(destinationSchemas, type)
      ? (destinationSchemas as Record<string, z.ZodType<Destination>>)[type]
      : undefined;
    if (!schema) {
      ctx.addIssue({
        code: 'custom',
        path: ['type'],
        message: `expected one of ${destinationTypes.join(', ')}`,
      });
      return z.NEVER;
    }
    const parsed = schema.safeParse({ ...raw, type });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        ctx.addIssue(
          issue.code === 'unrecognized_keys'
            ? { code: 'unrecognized_keys', keys: issue.keys, path: issue.path, message: issue.message }
            : { code: 'custom', path: issue.path, message: issueMessage(issue, raw) },
        );
      }
      return z.NEVER;
    }
    return parsed.data;
  });

/**
 * "required" only when the value is really absent: zod leaves `input` out of its issues, and
 * `z.int()` reports a fraction such as 1.5 as an invalid type too.
 */
function issueMessage(issue: z.core.$ZodIssue, raw: Record<string, unknown>): string {
  const value = issue.path.reduce<unknown>(
    (at, key) =>
      at !== null && typeof at === 'object' ? (at as Record<PropertyKey, unknown>)[key] : undefined,
    raw,
  );
  return issue.code === 'invalid_type' && value === undefined ? 'required' : issue.message;
}
