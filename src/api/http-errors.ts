import type { ErrorRequestHandler, Response } from 'express';
import { isGrpcServiceError, ServiceError } from '@temporalio/client';
import { z } from 'zod';
import {
  AppError,
  AuthenticationError,
  MethodNotAllowedError,
  PayloadTooLargeError,
  RateLimitedError,
  UnsupportedMediaTypeError,
  type ErrorDetail,
} from '../errors';
import type { Logger } from '../logger';
import { requestKeyVocabulary } from './schemas/vocabulary';

export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly details: readonly ErrorDetail[];
  };
}

/** Closest known key for a mistyped one ("showheader" → "showHeader"). */
function suggest(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase().replace(/[-_]/g, '');
  return known.find((k) => k.toLowerCase().replace(/[-_]/g, '') === lower);
}

type Issue = z.core.$ZodIssue;

/**
 * For a value that matched no branch of a union, the issues of the branch it came closest to:
 * the one whose problems sit deepest, then the one with the fewest. "rule.value: expected ..."
 * helps; "rule: Invalid input" does not.
 */
function closestBranch(issue: Issue & { code: 'invalid_union' }): Issue[] | undefined {
  const branches = (issue.errors ?? []).filter((b) => b.length > 0);
  if (branches.length === 0) return undefined;
  const depth = (b: readonly Issue[]): number => Math.max(...b.map((i) => i.path.length));
  const best = [...branches].sort((a, b) => depth(b) - depth(a) || a.length - b.length)[0];
  return best?.map((i) => ({ ...i, path: [...issue.path, ...i.path] }));
}

function flattenUnions(issues: readonly Issue[]): Issue[] {
  return issues.flatMap((issue) => {
    // A union with its own message says it best; only zod's generic "Invalid input" is replaced.
    if (issue.code !== 'invalid_union' || issue.message !== 'Invalid input') return [issue];
    const branch = closestBranch(issue);
    return branch ? flattenUnions(branch) : [issue];
  });
}

/** zod issues as `{path, message}` details; unknown keys get one detail each, with a suggestion. */
export function zodDetails(
  error: z.ZodError,
  knownKeys: readonly string[] = requestKeyVocabulary,
): ErrorDetail[] {
  return flattenUnions(error.issues).flatMap((issue): ErrorDetail[] => {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => {
        const hint = suggest(key, knownKeys);
        return {
          path: base ? `${base}.${key}` : key,
          message: `unknown key${hint ? ` (keys are case-sensitive: did you mean "${hint}"?)` : ''}`,
        };
      });
    }
    // zod leaves the input out of issues; a missing key reads "... received undefined".
    const message =
      issue.code === 'invalid_type' && /received undefined$/.test(issue.message) ? 'required' : issue.message;
    return [{ path: base, message }];
  });
}

function summarize(details: readonly ErrorDetail[]): string {
  const first = details.slice(0, 3).map((d) => (d.path ? `${d.path}: ${d.message}` : d.message));
  return first.join('; ') + (details.length > 3 ? `; and ${details.length - 3} more` : '');
}

interface HttpError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly details: readonly ErrorDetail[];
  readonly headers?: Record<string, string>;
}

/** body-parser's own errors carry `type` and `status`. */
interface BodyParserError {
  readonly type?: string;
  readonly status?: number;
  readonly expose?: boolean;
}

/** HTTP status per AppError `code` (stable, user-facing); any other error is a 500. */
const STATUS_OF: Readonly<Record<string, number>> = {
  invalid_request: 400,
  unauthorized: 401,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unknown_reference: 422,
  invalid_key: 422,
  callbacks_disabled: 422,
  rate_limited: 429,
  destination_unavailable: 502,
};

/** The one place errors become HTTP statuses. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof z.ZodError) {
    const details = zodDetails(err);
    return { status: 400, code: 'invalid_request', message: summarize(details), details };
  }
  if (err instanceof AppError) {
    const status = STATUS_OF[err.code] ?? 500;
    const headers: Record<string, string> = {};
    if (err instanceof AuthenticationError)
      headers['WWW-Authenticate'] = 'Basic realm="contact-exports", charset="UTF-8"';
    if (err instanceof RateLimitedError) headers['Retry-After'] = String(err.retryAfterSeconds);
    if (err instanceof MethodNotAllowedError) headers.Allow = err.allowed.join(', ');
    return { status, code: err.code, message: err.message, details: err.details, headers };
  }
  if (isTemporalBusy(err))
    return {
      status: 503,
      code: 'temporal_unavailable',
      message: 'the workflow service did not answer in time; retry shortly',
      details: [],
      headers: { 'Retry-After': '5' },
    };
  const parserError = err as BodyParserError;
  switch (parserError?.type) {
    case 'entity.too.large':
      return toHttpError(new PayloadTooLargeError('request body is larger than 1 MB'));
    case 'entity.parse.failed':
      return { status: 400, code: 'invalid_json', message: 'request body is not valid JSON', details: [] };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return toHttpError(new UnsupportedMediaTypeError('request body must be UTF-8 JSON'));
    case 'request.aborted':
    case 'request.size.invalid':
      return { status: 400, code: 'invalid_request', message: 'request body was incomplete', details: [] };
    default:
      break;
  }
  if (
    typeof parserError?.status === 'number' &&
    parserError.status >= 400 &&
    parserError.status < 500 &&
    parserError.expose
  ) {
    return {
      status: parserError.status,
      code: 'invalid_request',
      message: (err as Error).message,
      details: [],
    };
  }
  return { status: 500, code: 'internal_error', message: 'internal error', details: [] };
}

export function sendError(res: Response, error: HttpError): void {
  for (const [name, value] of Object.entries(error.headers ?? {})) res.setHeader(name, value);
  const body: ErrorBody = { error: { code: error.code, message: error.message, details: error.details } };
  res.status(error.status).json(body);
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    let error = toHttpError(err);
    // The Jobs page handles 401 itself; a Basic challenge would make the browser open its own login prompt.
    if (error.headers?.['WWW-Authenticate'] && req.get('x-requested-with')) {
      const { 'WWW-Authenticate': _challenge, ...headers } = error.headers;
      error = { ...error, headers };
    }
    if (error.status >= 500) logger.error({ err, method: req.method, path: req.path }, 'request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendError(res, error);
  };
}

/** gRPC DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, UNAVAILABLE: Temporal is busy or away, not broken. */
const BUSY_CODES = new Set([4, 8, 14]);

/**
 * Temporal too slow or unreachable for this request (the SDK's ServiceError, or a raw gRPC error
 * from a workflowService call): a 503 the client may retry, not a 500.
 */
export function isTemporalBusy(err: unknown): boolean {
  const grpc = err instanceof ServiceError ? err.cause : err;
  return isGrpcServiceError(grpc) && BUSY_CODES.has(grpc.code);
}
