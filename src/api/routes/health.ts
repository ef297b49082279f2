import { Router } from 'express';
import type { ApiDeps } from '../deps';

export function healthRouter(deps: ApiDeps): Router {
  const router = Router();
  /** The process is up. */
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  /** The process can do its work: Temporal and MongoDB answer. */
  router.get('/readyz', async (_req, res) => {
    const checks = await Promise.all([
      deps.client.connection.workflowService
        .getSystemInfo({})
        .then(() => ['temporal', 'ok'] as const)
        .catch((err: unknown) => ['temporal', String(err)] as const),
      deps.db
        .command({ ping: 1 })
        .then(() => ['mongodb', 'ok'] as const)
        .catch((err: unknown) => ['mongodb', String(err)] as const),
    ]);
    const ready = checks.every(([, state]) => state === 'ok');
    res
      .status(ready ? 200 : 503)
      .json({ status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(checks) });
  });
  /** Prometheus text format; no secrets and no per-job labels, so it is left unauthenticated. */
  router.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}
