import { Router } from 'express';
import { getContactAttributes, systemFields } from '../../store/attributes';
import { getAllLists } from '../../store/lists';
import type { ApiDeps } from '../deps';

/** What can be exported: lists (names and IDs) and contact attributes (system fields first). */
export function catalogRouter(deps: ApiDeps): Router {
  const router = Router();
  router.get('/lists', async (_req, res) => {
    res.json({ lists: await getAllLists(deps.db) });
  });
  router.get('/contactattributes', async (_req, res) => {
    const attributes = await getContactAttributes(deps.db);
    res.json({
      attributes: [
        ...systemFields.map((a) => ({ ...a, system: true })),
        ...attributes.map((a) => ({ ...a, system: false })),
      ],
    });
  });
  return router;
}
