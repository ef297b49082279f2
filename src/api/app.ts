import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { NotFoundError, UnsupportedMediaTypeError } from '../errors';
import { requireApiKey } from './auth';
import type { ApiDeps } from './deps';
import { errorHandler } from './http-errors';
import { audiencesRouter } from './routes/audiences';
import { catalogRouter } from './routes/catalog';
import { contactExportsRouter } from './routes/contact-exports';
import { docsRouter } from './routes/docs';
import { sftpKeysRouter } from './routes/sftp-keys';
import { healthRouter } from './routes/health';
import { jobsRouter } from './routes/jobs';

/** Requests with a body must be JSON (415 otherwise), checked before parsing. */
function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (['POST', 'PUT', 'PATCH'].includes(req.method) && hasBody && !req.is('application/json')) {
    next(new UnsupportedMediaTypeError('request body must be JSON (Content-Type: application/json)'));
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
  app.use(docsRouter());
  app.use(requireApiKey(deps.verifyApiKey));
  app.use(requireJsonBody);
  app.use(express.json({ limit: '1mb', type: ['application/json', 'application/*+json'] }));
  app.use(contactExportsRouter(deps));
  app.use(jobsRouter(deps));
  app.use(audiencesRouter(deps));
  app.use(catalogRouter(deps));
  app.use(sftpKeysRouter(deps));
  app.use((req: Request, _res: Response, next: NextFunction) =>
    next(new NotFoundError(`no route ${req.method} ${req.path}`)),
  );
  app.use(errorHandler(deps.logger));
  return app;
}
