import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { NotFoundError, RequestValidationError } from '../errors';
import { requireApiKey } from './auth';
import type { ApiDeps } from './deps';
import { errorHandler } from './http-errors';
import { contactExportsRouter } from './routes/contact-exports';
import { healthRouter } from './routes/health';
import { jobsRouter } from './routes/jobs';

class UnsupportedMediaTypeError extends RequestValidationError {}

/** Requests with a body must be JSON (415 otherwise), checked before parsing. */
function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (['POST', 'PUT', 'PATCH'].includes(req.method) && hasBody && !req.is('application/json')) {
    next(
      Object.assign(
        new UnsupportedMediaTypeError('request body must be JSON (Content-Type: application/json)'),
        { type: 'encoding.unsupported' },
      ),
    );
    return;
  }
  next();
}

export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'extended');

  app.use(healthRouter(deps));
  app.use(requireApiKey(deps.verifyApiKey));
  app.use(requireJsonBody);
  app.use(express.json({ limit: '1mb', type: ['application/json', 'application/*+json'] }));
  app.use(contactExportsRouter(deps));
  app.use(jobsRouter(deps));
  app.use((req: Request, _res: Response, next: NextFunction) =>
    next(new NotFoundError(`no route ${req.method} ${req.path}`)),
  );
  app.use(errorHandler(deps.logger));
  return app;
}
