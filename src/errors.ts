/**
 * One error class per failure family. `code` is stable and user-facing (it appears in HTTP error
 * bodies and job errors); the class name is the Temporal failure type, so retry policies can list
 * non-retryable types by name. Mapping to HTTP lives in src/api/http-errors.ts, mapping to Temporal
 * failures in activities/failures.ts: one place each.
 */
export interface ErrorDetail {
  readonly path: string;
  readonly message: string;
}

export abstract class AppError extends Error {
  abstract readonly code: string;
  /** Whether trying the same thing again may succeed (network blips, a server still starting). */
  readonly retryable: boolean = false;
  constructor(
    message: string,
    readonly details: readonly ErrorDetail[] = [],
  ) {
    super(message);
    this.name = this.constructor.name;
  }
}

/** The request does not match the schema (HTTP 400). */
export class RequestValidationError extends AppError {
  readonly code = 'invalid_request';
}

/** The request is well formed but names things that do not exist (HTTP 422). */
export class UnknownReferenceError extends AppError {
  readonly code = 'unknown_reference';
}

/** A PGP key that does not parse, is private, cannot encrypt, or has expired (HTTP 422). */
export class InvalidKeyError extends AppError {
  readonly code = 'invalid_key';
}

/** The request asks for a callback, and this service has no WEBHOOK_SECRET to sign it (HTTP 422). */
export class CallbacksDisabledError extends AppError {
  readonly code = 'callbacks_disabled';
}

export class AuthenticationError extends AppError {
  readonly code = 'unauthorized';
}

export class NotFoundError extends AppError {
  readonly code = 'not_found';
}

/** The path exists, but not for this method (HTTP 405 with `Allow`). */
export class MethodNotAllowedError extends AppError {
  readonly code = 'method_not_allowed';
  constructor(
    message: string,
    readonly allowed: readonly string[],
  ) {
    super(message);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  readonly code = 'unsupported_media_type';
}

export class PayloadTooLargeError extends AppError {
  readonly code = 'payload_too_large';
}

export class ConflictError extends AppError {
  readonly code = 'conflict';
}

export class GoneError extends AppError {
  readonly code = 'gone';
}

export class RateLimitedError extends AppError {
  readonly code = 'rate_limited';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** The job was cancelled by its owner; not a failure of the export. */
export class ExportCancelledError extends AppError {
  readonly code = 'cancelled';
}

/** Contact store problems while exporting (connection lost, cursor killed): worth retrying. */
export class ContactStoreUnavailableError extends AppError {
  readonly code = 'contact_store_unavailable';
  override readonly retryable = true;
}

/** A stored contact the export cannot handle, whatever the retries (an `_id` of an unsupported type). */
export class UnsupportedContactError extends AppError {
  readonly code = 'unsupported_contact';
}

/**
 * A split export cannot keep its limits: more files than MAX_SPLIT_FILES, or one contact's row
 * alone larger than maxFileSizeMB. Retrying writes the same rows again.
 */
export class SplitLimitError extends AppError {
  readonly code = 'split_limit';
}

/** Credentials refused by the destination (wrong password, key, access key). */
export class DestinationAuthError extends AppError {
  readonly code = 'destination_auth_failed';
}

/** Logged in, but not allowed to write where asked. */
export class DestinationPermissionError extends AppError {
  readonly code = 'destination_permission_denied';
}

/** The host does not resolve, the bucket does not exist, or the host is not allowed. */
/** The SFTP server presented a host key other than the pinned one: never retried, nothing sent. */
export class DestinationHostKeyError extends AppError {
  readonly code = 'host_key_mismatch';
}

export class DestinationNotFoundError extends AppError {
  readonly code = 'destination_not_found';
}

/** Connection refused or reset, timeouts, 5xx: retried with backoff. */
export class DestinationUnavailableError extends AppError {
  readonly code = 'destination_unavailable';
  override readonly retryable = true;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
