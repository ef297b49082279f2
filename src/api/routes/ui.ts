import path from 'node:path';
import express, { Router } from 'express';
import { projectRoot } from '../../project-root';

/** The Jobs page: static files (no build step) that call the public API with the user's key. */
export function uiRouter(): Router {
  const router = Router();
  router.get('/', (_req, res) => res.redirect(302, '/ui/'));
  router.get('/ui', (req, res, next) => {
    if (req.path === '/ui') res.redirect(301, '/ui/');
    else next();
  });
  router.use(
    '/ui',
    express.static(path.join(projectRoot(), 'public', 'ui'), { index: 'index.html', maxAge: 0 }),
  );
  return router;
}
