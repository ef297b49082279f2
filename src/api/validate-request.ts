import type { Db } from 'mongodb';
import { UnknownReferenceError, type ErrorDetail } from '../errors';
import { unknownFieldProblems, unknownListProblems } from '../export/columns';
import type { ExportRequest } from '../jobs/types';
import { getContactAttributes } from '../store/attributes';
import { findAudience } from '../store/audiences';
import { getAllLists } from '../store/lists';

/**
 * Semantic checks before a job starts (HTTP 422): every field, list and audience named by the
 * request exists in the contact store. Each problem is reported, not only the first.
 */
export async function validateAgainstStore(db: Db, request: ExportRequest): Promise<void> {
  const [attributes, lists, audience] = await Promise.all([
    getContactAttributes(db),
    getAllLists(db),
    request.audienceKey === undefined ? Promise.resolve(undefined) : findAudience(db, request.audienceKey),
  ]);
  const schema = { attributes, lists };
  const problems: ErrorDetail[] = [
    ...unknownFieldProblems(request.fields, schema),
    ...unknownListProblems(request.lists, schema),
  ];
  if (request.audienceKey !== undefined && !audience) {
    problems.push({
      path: 'audience-key',
      message: `unknown audience "${request.audienceKey}": no saved audience has this key`,
    });
  }
  if (problems.length > 0) {
    throw new UnknownReferenceError(problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems);
  }
}
