import type { NextFunction, Request, Response } from 'express';
import { MethodNotAllowedError, NotFoundError } from '../errors';

/** The parts of Express's router that tell which methods a path has (express 5 / router 2). */
interface RouterLayer {
  match(path: string): boolean;
  route?: { methods: Record<string, boolean> };
  handle?: { stack?: RouterLayer[] };
}

function methodsFor(stack: readonly RouterLayer[], path: string, into: Set<string>): void {
  for (const layer of stack) {
    if (layer.route) {
      if (layer.match(path))
        for (const [method, on] of Object.entries(layer.route.methods))
          if (on) into.add(method.toUpperCase());
    } else if (layer.handle?.stack && layer.match(path)) {
      // Our routers are mounted at '/', so a route's path is the request's path.
      methodsFor(layer.handle.stack, path, into);
    }
  }
}

/**
 * The last handler: a path that exists for other methods answers 405 with `Allow` (RFC 9110
 * section 15.5.6), any other path 404.
 */
export function unmatchedRoute(router: { stack: RouterLayer[] }) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const allowed = new Set<string>();
    methodsFor(router.stack, req.path, allowed);
    if (allowed.has('GET')) allowed.add('HEAD');
    allowed.delete('_ALL');
    if (allowed.size > 0) {
      const allow = [...allowed].sort();
      next(
        new MethodNotAllowedError(
          `${req.method} is not allowed on ${req.path} (allowed: ${allow.join(', ')})`,
          allow,
        ),
      );
      return;
    }
    next(new NotFoundError(`no route ${req.method} ${req.path}`));
  };
}
