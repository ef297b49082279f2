import { z } from 'zod';

/** An error message that says "required" when the value is missing, and `text` otherwise. */
export function unlessMissing(text: string): (issue: { input?: unknown }) => string {
  return (issue) => (issue.input === undefined ? 'required' : text);
}

/** A string enum accepting any case ("CSV", "Sftp"), normalised to lower case. */
export function caseInsensitiveEnum<const T extends readonly [string, ...string[]]>(values: T) {
  const allowed = new Set<string>(values);
  return z
    .string({ error: unlessMissing(`expected one of ${values.join(', ')}`) })
    .refine((v) => allowed.has(v.toLowerCase()), { message: `expected one of ${values.join(', ')}` })
    .transform((v) => v.toLowerCase() as T[number]);
}

/** true/false as JSON booleans or the strings "true"/"false" (any case), as the seed's examples use both. */
export const booleanish = z
  .union([z.boolean(), z.string().regex(/^(true|false)$/i, 'expected true or false')], {
    error: unlessMissing('expected true or false'),
  })
  .transform((v) => v === true || (typeof v === 'string' && v.toLowerCase() === 'true'));

/** A TCP port as a number or numeric string ("21"). */
export const portSchema = z
  .union([z.number(), z.string().regex(/^\d{1,5}$/, 'expected a port number 1-65535')], {
    error: unlessMissing('expected a port number 1-65535'),
  })
  .transform(Number)
  .pipe(
    z
      .number()
      .int('expected a whole number')
      .min(1, 'expected a port number 1-65535')
      .max(65535, 'expected a port number 1-65535'),
  );

const hostnamePattern =
  /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** A host name or an IP address; no scheme, port, path or user info. */
export const serverSchema = z
  .string()
  .min(1, 'required')
  .max(253)
  .refine((v) => hostnamePattern.test(v) || z.ipv4().safeParse(v).success || z.ipv6().safeParse(v).success, {
    message: 'expected a host name or IP address (no scheme, port or path)',
  });

// eslint-disable-next-line no-control-regex
const controlChars = /[\u0000-\u001f\u007f]/;

/** A folder (or folder/file) path at a destination: no `..` segments, NUL or control characters. */
export const destinationPathSchema = z
  .string()
  .max(1024)
  .refine((v) => !controlChars.test(v), { message: 'must not contain control characters' })
  .refine((v) => !v.split(/[/\\]/).includes('..'), { message: 'must not contain ".." segments' })
  .refine((v) => !v.includes('\\'), { message: 'use "/" as the path separator' });

export const credentialSchema = z.string().min(1, 'required').max(4096);
