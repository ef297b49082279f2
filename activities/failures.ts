import { ApplicationFailure } from '@temporalio/activity';
import { TemporalFailure } from '@temporalio/common';
import { AppError, errorMessage } from '../src/errors';

/** Details attached to every failure an activity raises: the user-facing error code. */
export interface FailureDetails {
  readonly code: string;
}

/**
 * The one place errors become Temporal failures. AppErrors keep their class name as the failure
 * type and their own retryability; anything else is treated as transient and left to the retry
 * policy (a bug then fails loudly after the last attempt rather than silently).
 */
export function toApplicationFailure(err: unknown): TemporalFailure {
  // Temporal's own failures (a CancelledFailure above all) must reach the SDK as they are.
  if (err instanceof TemporalFailure) return err;
  if (err instanceof AppError) {
    const details: FailureDetails = { code: err.code };
    return ApplicationFailure.create({
      type: err.name,
      message: err.message,
      nonRetryable: !err.retryable,
      details: [details],
    });
  }
  const name = err instanceof Error ? err.name : 'Error';
  return ApplicationFailure.create({
    type: name,
    message: errorMessage(err),
    nonRetryable: false,
    details: [{ code: 'internal_error' } satisfies FailureDetails],
  });
}

/** Wraps an activity so every thrown error goes through toApplicationFailure. */
export function withFailureMapping<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (err) {
      throw toApplicationFailure(err);
    }
  };
}
