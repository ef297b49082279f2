import type { Db } from 'mongodb';
import { UnknownReferenceError } from '../errors';
import type { ExportPlan, ExportRequest } from './types';
import { getContactAttributes } from '../store/attributes';
import { findAudience } from '../store/audiences';
import { getAllLists } from '../store/lists';
import { fieldTypesOf } from './audience';
import { exportFileName } from './formats';
import { splitLimits } from './split';
import { projectionFor, resolveColumns } from './columns';

/**
 * Resolves what a job exports against the contact store as it is now: the columns (SPEC section 2
 * rules), the audience rule, the projection and the file name. Unknown references fail the job
 * (they were checked at submission, but lists and audiences can be deleted in between).
 */
export async function planExport(
  db: Db,
  request: ExportRequest,
  jobName: string,
  now: Date,
): Promise<ExportPlan> {
  const [attributes, lists] = await Promise.all([getContactAttributes(db), getAllLists(db)]);
  const columns = resolveColumns(request, { attributes, lists });
  let audience: ExportPlan['audience'];
  if (request.audienceKey !== undefined) {
    const saved = await findAudience(db, request.audienceKey);
    if (!saved) {
      throw new UnknownReferenceError(`unknown audience-key "${request.audienceKey}"`, [
        { path: 'audience-key', message: `no saved audience named "${request.audienceKey}"` },
      ]);
    }
    audience = {
      key: saved.key,
      rule: saved.rule,
      asOf: now.toISOString(),
      fieldTypes: fieldTypesOf(attributes),
    };
  }
  const fileName = exportFileName(
    jobName,
    request.exportType,
    request.compress,
    request.encryption !== undefined,
  );
  const limits = splitLimits(request);
  return {
    columns,
    projection: projectionFor(columns),
    audience,
    fileName,
    ...(limits ? { split: { ...limits, stem: jobName, suffix: fileName.slice(jobName.length) } } : {}),
    window:
      request.modifiedSince !== undefined || request.modifiedBefore !== undefined
        ? { modifiedSince: request.modifiedSince, modifiedBefore: request.modifiedBefore }
        : undefined,
  };
}
