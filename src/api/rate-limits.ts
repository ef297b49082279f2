import type { Client } from '@temporalio/client';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { RateLimitedError } from '../errors';
import { ownerOf } from './auth';

/** Job creations per API key per minute (429 with Retry-After beyond it). Per gateway process. */
export function jobCreationRateLimit(perMinute: number): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
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

/**
 * A cap on jobs running at once per API key, counted in Temporal visibility (eventually
 * consistent: a burst can overshoot by the jobs started within visibility's lag). Checked after
 * validation, so malformed requests cost no visibility query.
 */
export async function assertUnderRunningJobsCap(client: Client, owner: string, max: number): Promise<void> {
  const { count } = await client.workflow.count(`ExportOwner = "${owner}" AND ExecutionStatus = "Running"`);
  if (count >= max)
    throw new RateLimitedError(
      `${count} export jobs are already running for this API key (limit ${max})`,
      30,
    );
}
