import helmet from 'helmet';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { UnsupportedMediaTypeError } from '../errors';
import { unmatchedRoute } from './method-not-allowed';
import { buildOpenApiDocument } from './openapi';
import { refuseUnknownQueryParameters } from './query-parameters';
import { requireApiKey } from './auth';
import type { AppMetrics } from '../metrics';
import type { ApiDeps } from './deps';
import { errorHandler } from './http-errors';
import { audiencesRouter } from './routes/audiences';
import { catalogRouter } from './routes/catalog';
import { codecRouter } from './routes/codec';
import { contactExportsRouter } from './routes/contact-exports';
import { docsRouter } from './routes/docs';
import { exportSchedulesRouter } from './routes/export-schedules';
import { pgpKeysRouter } from './routes/pgp-keys';
import { sftpKeysRouter } from './routes/sftp-keys';
import { uiRouter } from './routes/ui';
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

/** Counts and times requests by route pattern (never the raw path: job IDs would explode the labels). */
function requestMetrics(metrics: AppMetrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const stop = process.hrtime.bigint();
    res.once('finish', () => {
      const route =
        (req.route as { path?: string } | undefined)?.path ??
        (res.statusCode === 404 ? 'unmatched' : 'middleware');
      const labels = { method: req.method, route: String(route) };
      metrics.httpRequests.inc({ ...labels, status: String(res.statusCode) });
      metrics.httpDuration.observe(labels, Number(process.hrtime.bigint() - stop) / 1e9);
    });
    next();
  };
}

/**
 * Security headers on every answer (helmet): a strict CSP (the Jobs page has no inline script;
 * Swagger UI needs inline styles and data: images), no framing, no sniffing, no referrer.
 */
function securityHeaders() {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    // The codec endpoint is called cross-origin by the Temporal Web UI (CORS decides there).
    crossOriginResourcePolicy: { policy: 'same-site' },
  });
}

export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'extended');

  app.use(requestMetrics(deps.metrics));
  app.use(securityHeaders());
  app.use(healthRouter(deps));
  app.use(docsRouter());
  app.use(uiRouter());
  app.use(codecRouter(deps));
  app.use(requireApiKey(deps.verifyApiKey));
  app.use(refuseUnknownQueryParameters(buildOpenApiDocument()));
  app.use(requireJsonBody);
  app.use(express.json({ limit: '1mb', type: ['application/json', 'application/*+json'] }));
  app.use(contactExportsRouter(deps));
  app.use(jobsRouter(deps));
  app.use(exportSchedulesRouter(deps));
  app.use(audiencesRouter(deps));
  app.use(catalogRouter(deps));
  app.use(sftpKeysRouter(deps));
  app.use(pgpKeysRouter(deps));
  app.use(unmatchedRoute(app.router as unknown as Parameters<typeof unmatchedRoute>[0]));
  app.use(errorHandler(deps.logger));
  return app;
}
