import { z } from 'zod';
import { exportContentType, exportFormatNames } from '../export/formats';
import { audienceRuleSchema } from '../export/audience';
import { anyCase, documentedAs, serverSchema } from '../schema/fields';
import { destinationModules, destinationTypes } from '../destinations';
import { exportRequestSchema, pgpKeyChoice, pgpKeyNameSchema } from './schemas/export-request';
import { scheduleCursorPattern } from '../schedules/export-schedules';
import { cursorPattern, isoInstantPattern, jobIdPattern, jobNamePattern } from './schemas/jobs-query';
import {
  audienceKeySchema,
  audiencePutSchema,
  idempotencyKeySchema,
  pgpKeyPutSchema,
  sftpKeyCreateSchema,
  sftpKeyNameSchema,
  sftpKeyPatchSchema,
} from './schemas/resources';
import {
  attributesResponseSchema,
  audienceSchema,
  errorBodySchema,
  jobCreatedSchema,
  jobViewSchema,
  listsResponseSchema,
  pgpKeySchema,
  scheduleViewSchema,
  sftpKeySchema,
} from './schemas/responses';
import {
  scheduleCreateJsonSchema,
  scheduleCreateSchema,
  scheduleIdPattern,
  schedulePatchJsonSchema,
  schedulePatchSchema,
} from './schemas/export-schedule';

type JsonObject = Record<string, unknown>;

const ref = (id: string): JsonObject => ({ $ref: `#/components/schemas/${id}` });

const destinationId = (type: string): string => `${type.toUpperCase()}Destination`;
const destinationIds = destinationTypes.map(destinationId);

/** Every component, generated from the zod schemas the gateway validates with. */
function componentSchemas(): Record<string, JsonObject> {
  const registry = z.registry<{ id: string }>();
  const add = (schema: z.ZodType, id: string): void => {
    registry.add(schema, { id });
  };
  add(exportRequestSchema, 'ExportRequest');
  for (const type of destinationTypes) add(destinationModules[type].schema, destinationId(type));
  add(audienceRuleSchema, 'AudienceRule');
  add(audiencePutSchema, 'AudiencePut');
  add(sftpKeyCreateSchema, 'SftpKeyCreate');
  add(sftpKeyPatchSchema, 'SftpKeyPatch');
  add(errorBodySchema, 'Error');
  add(jobCreatedSchema, 'JobCreated');
  add(jobViewSchema, 'Job');
  add(listsResponseSchema, 'Lists');
  add(attributesResponseSchema, 'ContactAttributes');
  add(audienceSchema, 'Audience');
  add(sftpKeySchema, 'SftpKey');
  add(pgpKeyPutSchema, 'PgpKeyPut');
  add(pgpKeySchema, 'PgpKey');
  add(scheduleCreateSchema, 'ExportScheduleCreate');
  add(schedulePatchSchema, 'ExportSchedulePatch');
  add(scheduleViewSchema, 'ExportSchedule');
  const { schemas } = z.toJSONSchema(registry, {
    io: 'input',
    target: 'draft-2020-12',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
    // What zod cannot say (refinements, transforms) is documented next to the schema itself.
    override: (ctx) => {
      const documented = documentedAs.get(ctx.zodSchema as unknown as z.ZodType);
      if (!documented) return;
      for (const key of Object.keys(ctx.jsonSchema)) delete (ctx.jsonSchema as JsonObject)[key];
      Object.assign(ctx.jsonSchema, documented);
    },
  }) as { schemas: Record<string, JsonObject> };
  for (const schema of Object.values(schemas)) {
    delete schema.$schema;
    delete schema.$id;
  }
  // `destination` is dispatched on `type` by hand (for precise error paths); document it as the
  // union it is. Each type is matched in any case ("SFTP"), so by pattern rather than a constant.
  const request = schemas.ExportRequest as { properties: Record<string, JsonObject> };
  request.properties.destination = {
    description: 'Where the file goes; absent means {"type": "aws"}. `type` is case-insensitive.',
    oneOf: destinationIds.map(ref),
  };
  Object.assign(request.properties.encryption ?? {}, pgpKeyChoice.jsonSchema);
  request.properties.exportType = {
    ...request.properties.exportType,
    examples: [...exportFormatNames, 'CSV'],
  };
  Object.assign(schemas.ExportScheduleCreate ?? {}, scheduleCreateJsonSchema);
  Object.assign(schemas.ExportSchedulePatch ?? {}, schedulePatchJsonSchema);
  for (const type of destinationTypes) {
    const schema = schemas[destinationId(type)] as { properties: Record<string, JsonObject> };
    schema.properties.type = { type: 'string', pattern: anyCase([type]).source, examples: [type] };
    const module: { jsonSchema?: JsonObject } = destinationModules[type];
    Object.assign(schema, module.jsonSchema ?? {});
  }
  return schemas;
}

const json = (schema: JsonObject, description: string): JsonObject => ({
  description,
  content: { 'application/json': { schema } },
});
const errors = (...statuses: number[]): Record<string, JsonObject> => {
  const text: Record<number, string> = {
    400: 'The request does not match the schema (details name each field)',
    401: 'Missing or unknown API key',
    404: 'Not found (or owned by another API key)',
    409: 'Conflict (Idempotency-Key reused with another body, duplicate name)',
    410: 'The file expired and was purged',
    413: 'Body larger than 1 MB',
    415: 'Body is not JSON',
    416: 'Range not satisfiable',
    422: 'Names a field, list, audience or saved key that does not exist',
    429: 'Rate limited (see Retry-After)',
    502: 'The SFTP server did not answer',
    503: 'Temporal did not answer in time or is unreachable (retry after Retry-After)',
  };
  // Every authenticated operation may need Temporal (jobs, schedules, rate limits): 503 when busy.
  const all = statuses.includes(401) ? [...statuses, 503] : statuses;
  return Object.fromEntries(all.map((s) => [String(s), json(ref('Error'), text[s] ?? 'Error')]));
};
const pathParam = (name: string, description: string, pattern: RegExp): JsonObject => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'string', pattern: pattern.source },
});
const patternOf = (schema: z.ZodType): RegExp => {
  const { pattern } = z.toJSONSchema(schema) as { pattern?: string };
  if (!pattern) throw new Error('schema has no pattern');
  return new RegExp(pattern);
};
const jobIdParam = pathParam('jobID', 'Job ID', jobIdPattern);
const scheduleIdParam = pathParam('scheduleID', 'Export schedule ID (a UUID)', scheduleIdPattern);
const scheduleLinks = Object.fromEntries(
  ['getExportSchedule', 'updateExportSchedule', 'triggerExportSchedule', 'pauseExportSchedule'].map(
    (operationId) => [operationId, { operationId, parameters: { scheduleID: '$response.body#/scheduleID' } }],
  ),
);
/** The answers of a schedule's own operations. */
const scheduleOperation = (summary: string, operationId: string, ok: JsonObject): JsonObject => ({
  summary,
  operationId,
  parameters: [scheduleIdParam],
  responses: { ...ok, ...errors(401, 404) },
});
const audienceKeyParam = pathParam(
  'key',
  'Audience key (letters, digits, _ and -)',
  patternOf(audienceKeySchema),
);
const pgpKeyParam = pathParam('name', 'Key name (letters, digits, _ and -)', patternOf(pgpKeyNameSchema));
const sftpKeyParam = pathParam('name', 'Key name (letters, digits, _ and -)', patternOf(sftpKeyNameSchema));
/** A created job leads to its status, its cancellation and its file (Schemathesis follows these). */
const jobLinks = Object.fromEntries(
  ['getJob', 'cancelJob', 'downloadJobFile'].map((operationId) => [
    operationId,
    { operationId, parameters: { jobID: '$response.body#/jobID' } },
  ]),
);

/** A stored file's answers: the bytes, a range of them, or a presigned redirect. */
const storedFileResponses = {
  '200': {
    description: 'The file',
    content: Object.fromEntries(
      [
        ...exportFormatNames.map((f) => exportContentType(f, false)),
        exportContentType('csv', true),
        'application/pgp-encrypted',
      ].map((type) => [type.split(';')[0], {}]),
    ),
  },
  '206': { description: 'Part of the file (Range)' },
  '302': {
    description:
      'Internal storage is an S3 bucket: Location is a presigned URL to the file there, valid for DOWNLOAD_URL_TTL (default 15 min, never past the expiry). With Accept: application/json, a 200 {url, expiresInSeconds} with X-Download-Link: presigned instead.',
  },
  ...errors(401, 404, 410, 416),
};

/** `limit` and `cursor` of a paged list (GET /jobs, GET /exportschedules). */
function pageParams(cursor: RegExp, description: string): JsonObject[] {
  return [
    { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 25 } },
    { name: 'cursor', in: 'query', description, schema: { type: 'string', pattern: cursor.source } },
  ];
}

/** The OpenAPI 3.1 document served at /openapi.json. */
export function buildOpenApiDocument(): JsonObject {
  return {
    openapi: '3.1.0',
    info: {
      title: 'contact-exports',
      version: '1.0.0',
      description:
        'Bulk contact exports (CSV or JSON, optional gzip) delivered to internal storage, FTP, SFTP, Amazon S3 or Google Cloud Storage, run as durable Temporal workflows. Authenticate with HTTP Basic: the API key is the user name, the password is ignored.',
    },
    servers: [{ url: '/' }],
    security: [{ apiKey: [] }],
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'basic', description: 'API key as the user name; password ignored' },
      },
      schemas: componentSchemas(),
    },
    paths: {
      '/contactexports': {
        post: {
          summary: 'Create a contact export job',
          operationId: 'createContactExport',
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              description:
                'Retrying with the same key and body returns the same job and starts nothing new; another body → 409.',
              schema: { type: 'string', pattern: patternOf(idempotencyKeySchema).source },
            },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: ref('ExportRequest') } } },
          responses: {
            '202': { ...json(ref('JobCreated'), 'Job created (Location: /jobs/{jobID})'), links: jobLinks },
            ...errors(400, 401, 409, 413, 415, 422, 429),
          },
        },
      },
      '/jobs': {
        get: {
          summary: 'List jobs: running first (newest first), then ended (most recently ended first)',
          operationId: 'listJobs',
          parameters: [
            { name: 'jobName', in: 'query', schema: { type: 'string', pattern: jobNamePattern.source } },
            {
              name: 'scheduleID',
              in: 'query',
              description: 'Only the jobs started by this export schedule',
              schema: { type: 'string', pattern: scheduleIdPattern.source },
            },
            {
              name: 'status',
              in: 'query',
              description: 'Pending, Processing, Done, Failed or Cancelled, in any case',
              schema: {
                type: 'string',
                pattern: anyCase(['Pending', 'Processing', 'Done', 'Failed', 'Cancelled']).source,
              },
            },
            ...['gt', 'gte', 'lt', 'lte'].map((op) => ({
              name: `times[start][${op}]`,
              in: 'query',
              description: 'ISO 8601 start time bound (2026-11-01 or 2026-11-01T08:00:00Z)',
              schema: { type: 'string', pattern: isoInstantPattern.source },
            })),
            ...pageParams(cursorPattern, 'From links.next of the previous page (signed by the gateway)'),
          ],
          responses: {
            '200': json(
              {
                type: 'object',
                properties: {
                  jobs: { type: 'array', items: ref('Job') },
                  links: { type: 'object', properties: { next: { type: ['string', 'null'] } } },
                },
              },
              'A page of jobs',
            ),
            ...errors(400, 401),
          },
        },
      },
      '/jobs/{jobID}': {
        delete: {
          summary: 'Cancel a running job (staging and partial files are removed; status Cancelled)',
          operationId: 'cancelJob',
          parameters: [jobIdParam],
          responses: { '202': { description: 'Cancellation requested' }, ...errors(401, 404, 409) },
        },
        get: {
          summary: 'Job status and progress',
          operationId: 'getJob',
          parameters: [jobIdParam],
          responses: { '200': json(ref('Job'), 'The job'), ...errors(401, 404) },
        },
      },
      '/jobs/{jobID}/download': {
        get: {
          summary: 'Download the file of an internal-storage (aws) job; supports Range',
          description:
            'A split job (maxRowsPerFile / maxFileSizeMB) answers 404: its files are at /jobs/{jobID}/files/{name}.',
          operationId: 'downloadJobFile',
          parameters: [jobIdParam],
          responses: storedFileResponses,
        },
      },
      '/jobs/{jobID}/files/{name}': {
        get: {
          summary: 'Download one file of a split internal-storage (aws) job, or its manifest; supports Range',
          description: "The names are the job's files[].name and manifest.name (GET /jobs/{jobID}).",
          operationId: 'downloadJobSetFile',
          parameters: [
            jobIdParam,
            pathParam('name', 'A file name from files[].name or manifest.name', /^[A-Za-z0-9.-]+$/),
          ],
          responses: storedFileResponses,
        },
      },
      '/lists': {
        get: {
          summary: 'Contact lists',
          operationId: 'getLists',
          responses: { '200': json(ref('Lists'), 'Lists'), ...errors(401) },
        },
      },
      '/contactattributes': {
        get: {
          summary: 'Exportable fields',
          operationId: 'getContactAttributes',
          responses: { '200': json(ref('ContactAttributes'), 'Fields'), ...errors(401) },
        },
      },
      '/audiences': {
        get: {
          summary: 'Saved audiences',
          operationId: 'listAudiences',
          responses: {
            '200': json(
              { type: 'object', properties: { audiences: { type: 'array', items: ref('Audience') } } },
              'Audiences',
            ),
            ...errors(401),
          },
        },
      },
      '/audiences/{key}': {
        parameters: [audienceKeyParam],
        get: {
          summary: 'One audience',
          operationId: 'getAudience',
          responses: { '200': json(ref('Audience'), 'The audience'), ...errors(400, 401, 404) },
        },
        put: {
          summary: 'Create or replace an audience',
          operationId: 'putAudience',
          requestBody: { required: true, content: { 'application/json': { schema: ref('AudiencePut') } } },
          responses: {
            '200': json(ref('Audience'), 'Replaced'),
            '201': json(ref('Audience'), 'Created'),
            ...errors(400, 401, 415, 422),
          },
        },
        delete: {
          summary: 'Delete an audience',
          operationId: 'deleteAudience',
          responses: { '204': { description: 'Deleted' }, ...errors(400, 401, 404) },
        },
      },
      '/exportschedules': {
        post: {
          summary: 'Create an export schedule (a Temporal Schedule; runs are ordinary jobs)',
          operationId: 'createExportSchedule',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref('ExportScheduleCreate') } },
          },
          responses: {
            '201': {
              ...json(ref('ExportSchedule'), 'Created (Location: /exportschedules/{id})'),
              links: scheduleLinks,
            },
            ...errors(400, 401, 413, 415, 422),
          },
        },
        get: {
          summary: "The API key's export schedules, a page at a time",
          operationId: 'listExportSchedules',
          parameters: [...pageParams(scheduleCursorPattern, 'From links.next of the previous page')],
          responses: {
            '200': json(
              {
                type: 'object',
                properties: {
                  schedules: { type: 'array', items: ref('ExportSchedule') },
                  links: { type: 'object', properties: { next: { type: ['string', 'null'] } } },
                },
              },
              'A page of schedules, oldest first',
            ),
            ...errors(400, 401),
          },
        },
      },
      '/exportschedules/{scheduleID}': {
        get: scheduleOperation('An export schedule: next runs, recent jobs, watermark', 'getExportSchedule', {
          '200': json(ref('ExportSchedule'), 'The schedule'),
        }),
        patch: {
          ...scheduleOperation(
            'Change the timing, name, incremental flag or export',
            'updateExportSchedule',
            {
              '200': json(ref('ExportSchedule'), 'The changed schedule'),
            },
          ),
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref('ExportSchedulePatch') } },
          },
          responses: {
            '200': json(ref('ExportSchedule'), 'The changed schedule'),
            ...errors(400, 401, 404, 413, 415, 422),
          },
        },
        delete: scheduleOperation('Delete an export schedule (running jobs go on)', 'deleteExportSchedule', {
          '204': { description: 'Deleted' },
        }),
      },
      '/exportschedules/{scheduleID}/trigger': {
        post: scheduleOperation(
          'Run now (skipped while the previous run still runs)',
          'triggerExportSchedule',
          {
            '202': json(
              {
                type: 'object',
                properties: {
                  scheduleID: { type: 'string' },
                  triggered: { type: 'boolean' },
                  note: { type: 'string' },
                  links: { type: 'object' },
                },
              },
              'Run requested',
            ),
          },
        ),
      },
      '/exportschedules/{scheduleID}/pause': {
        post: scheduleOperation('Pause: no runs until unpaused', 'pauseExportSchedule', {
          '200': json(ref('ExportSchedule'), 'The paused schedule'),
        }),
      },
      '/exportschedules/{scheduleID}/unpause': {
        post: scheduleOperation('Unpause', 'unpauseExportSchedule', {
          '200': json(ref('ExportSchedule'), 'The schedule'),
        }),
      },
      '/pgpkeys': {
        get: {
          summary: "The API key's saved OpenPGP public keys (without the armored keys)",
          operationId: 'listPgpKeys',
          responses: {
            '200': json(
              { type: 'object', properties: { keys: { type: 'array', items: ref('PgpKey') } } },
              'Keys',
            ),
            ...errors(401),
          },
        },
      },
      '/pgpkeys/{name}': {
        put: {
          summary: 'Save (or replace) an OpenPGP public key to encrypt exports to',
          operationId: 'putPgpKey',
          parameters: [pgpKeyParam],
          requestBody: { required: true, content: { 'application/json': { schema: ref('PgpKeyPut') } } },
          responses: {
            '200': json(ref('PgpKey'), 'Replaced'),
            '201': json(ref('PgpKey'), 'Saved'),
            ...errors(400, 401, 404, 413, 415, 422),
          },
        },
        get: {
          summary: 'A saved OpenPGP public key',
          operationId: 'getPgpKey',
          parameters: [pgpKeyParam],
          responses: { '200': json(ref('PgpKey'), 'The key'), ...errors(401, 404) },
        },
        delete: {
          summary: 'Delete a saved OpenPGP public key',
          operationId: 'deletePgpKey',
          parameters: [pgpKeyParam],
          responses: { '204': { description: 'Deleted' }, ...errors(401, 404) },
        },
      },
      '/sftpkeys': {
        post: {
          summary: 'Generate an SFTP key pair; returns the OpenSSH public key',
          operationId: 'createSftpKey',
          requestBody: { required: true, content: { 'application/json': { schema: ref('SftpKeyCreate') } } },
          responses: { '201': json(ref('SftpKey'), 'Created'), ...errors(400, 401, 409, 415) },
        },
        get: {
          summary: 'Saved SFTP keys (names and public keys only)',
          operationId: 'listSftpKeys',
          responses: {
            '200': json(
              { type: 'object', properties: { keys: { type: 'array', items: ref('SftpKey') } } },
              'Keys',
            ),
            ...errors(401),
          },
        },
      },
      '/sftphostkeys': {
        get: {
          summary: 'The host keys an SFTP server presents now (to pin as hostKeyFingerprint)',
          operationId: 'getSftpHostKeys',
          parameters: [
            {
              name: 'server',
              in: 'query',
              required: true,
              description: 'Host name or IP address (the same guard as destinations)',
              schema: documentedAs.get(serverSchema) ?? { type: 'string' },
            },
            {
              name: 'port',
              in: 'query',
              required: false,
              description: 'Default 22',
              schema: { type: 'integer', minimum: 1, maximum: 65535 },
            },
          ],
          responses: {
            '200': json(
              {
                type: 'object',
                properties: {
                  server: { type: 'string' },
                  port: { type: 'integer' },
                  hostKeys: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: { type: { type: 'string' }, fingerprint: { type: 'string' } },
                    },
                  },
                },
              },
              'Each key type the server offers, with its SHA256 fingerprint',
            ),
            ...errors(400, 401, 422, 502),
          },
        },
      },
      '/sftpkeys/{name}': {
        patch: {
          summary: "Pin (or with null unpin) the partner server's host key on a saved key",
          operationId: 'pinSftpKeyHost',
          parameters: [sftpKeyParam],
          requestBody: { required: true, content: { 'application/json': { schema: ref('SftpKeyPatch') } } },
          responses: { '200': json(ref('SftpKey'), 'The key'), ...errors(400, 401, 404, 415) },
        },
        delete: {
          summary: 'Delete a saved SFTP key',
          operationId: 'deleteSftpKey',
          parameters: [sftpKeyParam],
          responses: { '204': { description: 'Deleted' }, ...errors(400, 401, 404) },
        },
      },
      '/healthz': {
        get: {
          summary: 'Process is up',
          operationId: 'healthz',
          security: [],
          responses: { '200': { description: 'OK' } },
        },
      },
      '/readyz': {
        get: {
          summary: 'Temporal and MongoDB reachable',
          operationId: 'readyz',
          security: [],
          responses: { '200': { description: 'Ready' }, '503': { description: 'Not ready' } },
        },
      },
    },
  };
}
