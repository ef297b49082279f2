import { Router } from 'express';
import { presentedHostKeys } from '../../destinations/host-keys';
import { resolveDestinationHost } from '../../destinations/host-guard';
import {
  DestinationNotFoundError,
  NotFoundError,
  RequestValidationError,
  UnknownReferenceError,
} from '../../errors';
import {
  createSftpKey,
  deleteSftpKey,
  findSftpKey,
  listSftpKeys,
  setSftpKeyPin,
} from '../../store/sftp-keys';
import type { ApiDeps } from '../deps';
import {
  sftpHostKeysQuerySchema,
  sftpKeyCreateSchema,
  sftpKeyNameSchema,
  sftpKeyPatchSchema,
} from '../schemas/resources';

/** Saved SFTP keys (Cordial's Secrets Vault): private keys never leave the service. */
export function sftpKeysRouter(deps: ApiDeps): Router {
  const router = Router();
  router.post('/sftpkeys', async (req, res) => {
    const { name, hostKeyFingerprint } = sftpKeyCreateSchema.parse(req.body);
    const key = await createSftpKey(deps.db, deps.config.keyring, name, hostKeyFingerprint);
    deps.logger.info({ name }, 'sftp key created');
    res.status(201).location(`/sftpkeys/${name}`).json(key);
  });
  router.get('/sftpkeys', async (_req, res) => {
    res.json({ keys: await listSftpKeys(deps.db) });
  });
  router.patch('/sftpkeys/:name', async (req, res) => {
    const name = sftpKeyNameSchema.safeParse(req.params.name);
    if (!name.success) throw new NotFoundError(`no SFTP key "${req.params.name}"`);
    const { hostKeyFingerprint } = sftpKeyPatchSchema.parse(req.body);
    if (!(await setSftpKeyPin(deps.db, name.data, hostKeyFingerprint)))
      throw new NotFoundError(`no SFTP key "${name.data}"`);
    deps.logger.info({ name: name.data, hostKeyFingerprint }, 'sftp key host pin changed');
    const key = await findSftpKey(deps.db, name.data);
    res.json(key);
  });

  /** The host keys an SFTP server presents now, to pin on first use; private addresses as destinations. */
  router.get('/sftphostkeys', async (req, res) => {
    const query = sftpHostKeysQuerySchema.parse(req.query);
    const port = query.port ?? 22;
    let address: string;
    try {
      address = await resolveDestinationHost(query.server, deps.config.allowPrivateDestinations);
    } catch (err) {
      if (!(err instanceof DestinationNotFoundError)) throw err;
      throw new UnknownReferenceError(`server: ${err.message}`, [{ path: 'server', message: err.message }]);
    }
    const hostKeys = await presentedHostKeys(address, port, deps.config.destinationTimeoutMs);
    res.json({ server: query.server, port, hostKeys });
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
