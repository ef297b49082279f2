import { Router } from 'express';
import { NotFoundError, RequestValidationError } from '../../errors';
import { createSftpKey, deleteSftpKey, listSftpKeys } from '../../store/sftp-keys';
import type { ApiDeps } from '../deps';
import { sftpKeyCreateSchema, sftpKeyNameSchema } from '../schemas/resources';

/** Saved SFTP keys (Cordial's Secrets Vault): private keys never leave the service. */
export function sftpKeysRouter(deps: ApiDeps): Router {
  const router = Router();
  router.post('/sftpkeys', async (req, res) => {
    const { name } = sftpKeyCreateSchema.parse(req.body);
    const key = await createSftpKey(deps.db, deps.config.keyring, name);
    deps.logger.info({ name }, 'sftp key created');
    res.status(201).location(`/sftpkeys/${name}`).json(key);
  });
  router.get('/sftpkeys', async (_req, res) => {
    res.json({ keys: await listSftpKeys(deps.db) });
  });
  router.delete('/sftpkeys/:name', async (req, res) => {
    const name = sftpKeyNameSchema.safeParse(req.params.name);
    if (!name.success)
      throw new RequestValidationError('invalid key name', [
        { path: 'name', message: name.error.issues[0]?.message ?? 'invalid' },
      ]);
    if (!(await deleteSftpKey(deps.db, name.data))) throw new NotFoundError(`no SFTP key "${name.data}"`);
    res.status(204).end();
  });
  return router;
}
