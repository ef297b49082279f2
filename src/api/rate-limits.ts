import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { RateLimitedError } from '../errors';
import { ownerOf } from './auth';

/**
 * Job creations per API key per minute (429 with Retry-After beyond it). Per gateway process. Only
 * creations count: a refused request (4xx, 5xx) gives its place back.
 */
export function jobCreationRateLimit(perMinute: number): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    skipFailedRequests: true,
    keyGenerator: (_req: Request, res: Response) => ownerOf(res),
    handler: (req: Request, _res: Response, next: NextFunction) => {
      const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds = reset ? Math.max(1, Math.ceil((reset.getTime() - Date.now()) / 1000)) : 60;
      next(
        new RateLimitedError(`too many export jobs: at most ${perMinute} per minute per API key`, seconds),
      );
    },
  });
}
