import { Router } from 'express';
import { readPublicKey } from '../../crypto/pgp';
import { InvalidKeyError, NotFoundError } from '../../errors';
import { deletePgpKey, findPgpKey, listPgpKeys, putPgpKey } from '../../store/pgp-keys';
import { ownerOf } from '../auth';
import type { ApiDeps } from '../deps';
import { pgpKeyNameSchema } from '../schemas/export-request';
import { pgpKeyPutSchema } from '../schemas/resources';

/**
 * Saved OpenPGP public keys, per API key, for `encryption: {"type": "pgp", "savedKey": name}`.
 * Public keys only: a private key is refused and never stored.
 */
export function pgpKeysRouter(deps: ApiDeps): Router {
  const router = Router();
  const keyName = (raw: string): string => {
    const parsed = pgpKeyNameSchema.safeParse(raw);
    if (!parsed.success) throw new NotFoundError(`no PGP key "${raw}"`);
    return parsed.data;
  };

  router.put('/pgpkeys/:name', async (req, res) => {
    const owner = ownerOf(res);
    const name = keyName(req.params.name);
    const { publicKey } = pgpKeyPutSchema.parse(req.body);
    let info;
    try {
      ({ info } = await readPublicKey(publicKey));
    } catch (err) {
      if (err instanceof InvalidKeyError)
        throw new InvalidKeyError(`publicKey: ${err.message}`, [{ path: 'publicKey', message: err.message }]);
      throw err;
    }
    const { key, created } = await putPgpKey(deps.db, owner, name, publicKey, info);
    deps.logger.info({ name, owner, fingerprint: key.fingerprint, created }, 'pgp key saved');
    res
      .status(created ? 201 : 200)
      .location(`/pgpkeys/${name}`)
      .json(key);
  });

  router.get('/pgpkeys', async (_req, res) => {
    const keys = await listPgpKeys(deps.db, ownerOf(res));
    res.json({ keys: keys.map(({ publicKey: _armored, ...rest }) => rest) });
  });

  router.get('/pgpkeys/:name', async (req, res) => {
    const name = keyName(req.params.name);
    const key = await findPgpKey(deps.db, ownerOf(res), name);
    if (!key) throw new NotFoundError(`no PGP key "${name}"`);
    res.json(key);
  });

  router.delete('/pgpkeys/:name', async (req, res) => {
    const name = keyName(req.params.name);
    if (!(await deletePgpKey(deps.db, ownerOf(res), name))) throw new NotFoundError(`no PGP key "${name}"`);
    deps.logger.info({ name }, 'pgp key deleted');
    res.status(204).end();
  });
  return router;
}
