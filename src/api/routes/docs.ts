import path from 'node:path';
import express, { Router } from 'express';
import { absolutePath } from 'swagger-ui-dist';
import { buildOpenApiDocument } from '../openapi';

/** GET /openapi.json and the interactive Swagger UI at /docs (assets served locally, no CDN). */
export function docsRouter(): Router {
  const router = Router();
  const document = buildOpenApiDocument();
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  router.get('/docs', (req, res, next) => {
    // Non-strict routing matches "/docs/" here too: redirect only the bare path.
    if (req.path === '/docs') res.redirect(301, '/docs/');
    else next();
  });
  router.get('/docs/swagger-initializer.js', (_req, res) => {
    res
      .type('application/javascript')
      .send(
        `window.onload = function () {\n  window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout' });\n};\n`,
      );
  });
  router.use('/docs', express.static(path.resolve(absolutePath()), { index: 'index.html' }));
  return router;
}
