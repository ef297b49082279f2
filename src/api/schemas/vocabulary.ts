import { destinationSchemas } from './destination';
import { exportRequestKeys } from './export-request';

/** Every key our request bodies know, for "did you mean" hints on unknown (mis-cased) keys. */
export const requestKeyVocabulary: readonly string[] = [
  ...new Set([
    ...exportRequestKeys,
    ...Object.values(destinationSchemas).flatMap((schema) =>
      Object.keys('shape' in schema ? (schema.shape as object) : {}),
    ),
    'rule',
    'name',
  ]),
];
