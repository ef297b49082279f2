import path from 'node:path';
import express, { Router } from 'express';
import { exportFormats } from '../../export/formats';
import { projectRoot } from '../../project-root';

/** The Jobs page: static files (no build step) that call the public API with the user's key. */
export function uiRouter(): Router {
  const router = Router();
  router.get('/', (_req, res) => res.redirect(302, '/ui/'));
  router.get('/ui', (req, res, next) => {
    if (req.path === '/ui') res.redirect(301, '/ui/');
    else next();
  });
  // The page's format list, from the registry: a new format appears without touching the page.
  router.get('/ui/export-formats.json', (_req, res) => {
    res.json({
      formats: Object.values(exportFormats).map((f) => ({
        exportType: f.name,
        label: f.name.toUpperCase(),
        description: f.description,
      })),
    });
  });
  router.use(
    '/ui',
    express.static(path.join(projectRoot(), 'public', 'ui'), { index: 'index.html', maxAge: 0 }),
  );
  return router;
}
