import { Router } from 'express';
import { NotFoundError, RequestValidationError, UnknownReferenceError } from '../../errors';
import { audienceRuleProblems, type AudienceRule } from '../../export/audience';
import { getContactAttributes } from '../../store/attributes';
import {
  audienceView,
  deleteAudience,
  findAudience,
  listAudiences,
  putAudience,
} from '../../store/audiences';
import { getAllLists } from '../../store/lists';
import type { ApiDeps } from '../deps';
import { audienceKeySchema, audiencePutSchema } from '../schemas/resources';

function parseKey(raw: string): string {
  const parsed = audienceKeySchema.safeParse(raw);
  if (!parsed.success)
    throw new RequestValidationError(`invalid audience key: ${parsed.error.issues[0]?.message}`, [
      { path: 'key', message: parsed.error.issues[0]?.message ?? 'invalid' },
    ]);
  return parsed.data;
}

/** Saved audiences (SPEC section 5): rules validated and stored; compiled to a filter at export time. */
export function audiencesRouter(deps: ApiDeps): Router {
  const router = Router();

  router.get('/audiences', async (_req, res) => {
    res.json({ audiences: (await listAudiences(deps.db)).map(audienceView) });
  });

  router.get('/audiences/:key', async (req, res) => {
    const key = parseKey(req.params.key);
    const audience = await findAudience(deps.db, key);
    if (!audience) throw new NotFoundError(`no audience "${key}"`);
    res.json(audienceView(audience));
  });

  router.put('/audiences/:key', async (req, res) => {
    const key = parseKey(req.params.key);
    const rule: AudienceRule = audiencePutSchema.parse(req.body).rule;
    const [attributes, lists] = await Promise.all([getContactAttributes(deps.db), getAllLists(deps.db)]);
    const problems = audienceRuleProblems(rule, attributes, lists);
    if (problems.length > 0)
      throw new UnknownReferenceError(problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems);
    const { created, audience } = await putAudience(deps.db, key, rule);
    res.status(created ? 201 : 200).json(audienceView(audience));
  });

  router.delete('/audiences/:key', async (req, res) => {
    const key = parseKey(req.params.key);
    if (!(await deleteAudience(deps.db, key))) throw new NotFoundError(`no audience "${key}"`);
    res.status(204).end();
  });

  return router;
}
