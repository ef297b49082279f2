import type { NextFunction, Request, Response } from 'express';
import { RequestValidationError } from '../errors';

type JsonObject = Record<string, unknown>;

interface Operation {
  readonly method: string;
  readonly path: RegExp;
  readonly template: string;
}

/** The raw names in the request's query string, as sent (before the extended parser nests them). */
function queryNames(req: Request): string[] {
  const query = req.originalUrl.split('?').slice(1).join('?');
  // An empty segment (`?a=1&&b=2`, a trailing `&`) is no parameter; `=x` is one without a name.
  return query
    .split('&')
    .filter((parameter) => parameter !== '')
    .map((parameter) => decodeName(parameter.split('=')[0] ?? ''));
}

function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

function queryParameterNames(parameters: unknown): string[] {
  if (!Array.isArray(parameters)) return [];
  return parameters
    .filter((p): p is JsonObject => typeof p === 'object' && p !== null && (p as JsonObject).in === 'query')
    .map((p) => String(p.name));
}

/** The document's operations that take no query parameter, as path patterns. */
function operationsWithoutQuery(document: JsonObject): Operation[] {
  const paths = (document.paths ?? {}) as Record<string, JsonObject>;
  return Object.entries(paths).flatMap(([template, item]) => {
    const shared = queryParameterNames(item.parameters);
    const pattern = new RegExp(
      `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`,
    );
    return Object.entries(item)
      .filter(([method]) => method !== 'parameters')
      .filter(
        ([, op]) => shared.length === 0 && queryParameterNames((op as JsonObject).parameters).length === 0,
      )
      .map(([method]) => ({ method: method.toUpperCase(), path: pattern, template }));
  });
}

/**
 * Query parameters are refused where the API does not take them, as the operations that take some
 * refuse the ones they do not know (their zod schemas are strict): a `?verbose=true` on
 * `GET /jobs/{jobID}` is a 400 naming it, not an answer as if it had not been sent. Which
 * operations take none is read from the OpenAPI document, so a new route needs no entry here.
 * The query parser also drops a parameter without a name (`?=x`, `?limit=5&=`): refused everywhere.
 */
export function refuseUnknownQueryParameters(document: JsonObject) {
  const withoutQuery = operationsWithoutQuery(document);
  return (req: Request, _res: Response, next: NextFunction): void => {
    const names = queryNames(req);
    if (names.some((name) => name === ''))
      throw new RequestValidationError('query parameter without a name', [
        { path: 'query', message: 'a parameter without a name ("=…")' },
      ]);
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const operation = withoutQuery.find((op) => op.method === method && op.path.test(req.path));
    if (names.length > 0 && operation) {
      const unknown = [...new Set(names)];
      throw new RequestValidationError(
        `${method} ${operation.template} takes no query parameters`,
        unknown.map((name) => ({
          path: name,
          message: 'unknown query parameter (this operation takes none)',
        })),
      );
    }
    next();
  };
}
