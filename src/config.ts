import path from 'node:path';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { parseKeyring, type Keyring } from './crypto/keyring';
import { temporalConnectionFrom, type TemporalConnection } from './temporal/connection-config';

/**
 * The process environment, validated once at start-up (SPEC section 9). Every key is documented in
 * README "Configuration"; a bad value stops the process with a message naming the key.
 */
const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce
  .number({ message: 'expected a port number' })
  .int('expected a whole number')
  .min(1, 'expected a port number 1-65535')
  .max(65535, 'expected a port number 1-65535');

const positiveInt = z.coerce
  .number({ message: 'expected a number' })
  .int('expected a whole number')
  .positive();

/** Durations such as `30d`, `12h`, `15m`, `10s`, `500ms`, or plain milliseconds. */
export const duration = z.string().transform((raw, ctx) => {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(raw.trim());
  if (!match) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a duration like 30d, 12h, 10s or 500ms, got "${raw}"`,
    });
    return z.NEVER;
  }
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] ?? 'ms'] ?? 1;
  return Math.round(Number(match[1]) * unit);
});

const list = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0),
);

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  PORT: port.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: z.url({ message: 'expected an absolute URL such as https://exports.example.com' }).optional(),

  // Temporal's own environment configuration (read by @temporalio/envconfig, as the `temporal` CLI
  // does): a profile in the TOML file, overridden by these variables. Listed here to be documented.
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).optional(),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_PROFILE: z.string().min(1).optional(),
  TEMPORAL_CONFIG_FILE: z.string().min(1).optional(),
  TEMPORAL_TLS: booleanFlag.optional(),
  TEMPORAL_TLS_CLIENT_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_CLIENT_KEY_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  TEMPORAL_TASK_QUEUE: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore only')
    .default('contact-exports'),

  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'expected a mongodb:// or mongodb+srv:// URI')
    .default('mongodb://127.0.0.1:27017/contact_exports'),

  API_KEYS: list.default([]),

  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, 'expected smtp://host:port or smtps://user:pass@host:port')
    .optional(),
  MAIL_FROM: z.email('expected an email address').default('contact-exports@localhost'),

  ENCRYPTION_KEYS: z.string().optional(),
  JOBS_RATE_LIMIT: positiveInt.default(120),
  MAX_RUNNING_JOBS_PER_KEY: positiveInt.default(50),

  STORAGE_DIR: z.string().min(1).default('.data/storage'),
  STAGING_DIR: z.string().min(1).default('.data/staging'),
  // 0 turns the sweep off.
  STAGING_SWEEP_INTERVAL: duration.default(3_600_000),
  STAGING_SWEEP_MIN_AGE: duration.default(15 * 60_000),
  WORKER_HOST_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore only')
    .optional(),

  ALLOW_PRIVATE_DESTINATIONS: booleanFlag.default(false),
  SFTP_REQUIRE_HOST_KEY: booleanFlag.default(false),
  WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/, {
      message:
        'expected whsec_ and at least 24 random bytes in base64: echo whsec_$(openssl rand -base64 32)',
    })
    .optional(),
  WEBHOOK_RETRY_WINDOW: duration.default(24 * 3_600_000),
  DESTINATION_TIMEOUT: duration.default(30_000),
  FTP_TLS: z.enum(['off', 'explicit'], { message: 'expected off or explicit' }).default('off'),
  FTP_TLS_CA_FILE: z.string().min(1).optional(),
  AZURE_BLOB_ENDPOINT: z
    .url({ message: 'expected a URL such as http://127.0.0.1:10000 (the account follows as a path segment)' })
    .optional(),
  S3_ENDPOINT: z.url({ message: 'expected a URL such as http://127.0.0.1:7070' }).optional(),
  STORAGE_EMULATOR_HOST: z.url({ message: 'expected a URL such as http://127.0.0.1:4443' }).optional(),
  GCS_PROJECT_ID: z.string().min(1).optional(),
  STORAGE_S3_BUCKET: z.string().min(1).optional(),
  STORAGE_S3_PREFIX: z.string().default(''),
  STORAGE_S3_REGION: z.string().min(1).default('us-east-1'),
  STORAGE_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  STORAGE_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  PURGE_INTERVAL: duration.default(3_600_000),
  SCHEDULE_MIN_INTERVAL: duration.default(60_000),
  CODEC_CORS_ORIGINS: list.default(['http://localhost:8233', 'http://127.0.0.1:8233']),
  CODEC_ALLOW_UNAUTHENTICATED: booleanFlag.default(false),
  METRICS_PORT: z.coerce.number({ message: 'expected a port number' }).int().min(0).max(65535).default(9464),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  EXPORT_PARTITIONS: positiveInt.max(16).default(1),
  EXPORT_PARTITION_MIN_CONTACTS: z.coerce.number().int().min(0).default(1_000_000),
  EXPORT_BATCH_SIZE: positiveInt.max(100_000).default(2000),
  EXPORT_RAW_BSON: booleanFlag.default(true),
  GZIP_LEVEL: z.coerce.number({ message: 'expected a gzip level 1-9' }).int().min(1).max(9).default(1),
  STORAGE_RETENTION: duration.default(30 * 86_400_000),
  DOWNLOAD_URL_TTL: duration.default(15 * 60_000),
  EXPORT_HEARTBEAT_TIMEOUT: duration.default(30_000),
  EXPORT_HOST_TIMEOUT: duration.default(5 * 60_000),
  EXPORT_TIMEOUT: duration.default(24 * 3_600_000),
  UPLOAD_TIMEOUT: duration.default(6 * 3_600_000),
  PROGRESS_INTERVAL: duration.default(2000),
  EMAIL_MAX_ATTEMPTS: positiveInt.max(100).default(10),
  EXPORT_CONCURRENCY: positiveInt.max(256).default(4),
  UPLOAD_CONCURRENCY: positiveInt.max(256).default(8),
  HOST_ACTIVITY_SLOTS: positiveInt.max(100_000).default(1000),
  SHARED_ACTIVITY_SLOTS: positiveInt.max(100_000).default(200),
});

export type Env = z.input<typeof envSchema>;

/** Every environment variable the service reads (docker-compose and docs are checked against it). */
export const configKeys: readonly string[] = Object.keys(envSchema.shape);

export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly logLevel: string;
  readonly port: number;
  readonly host: string;
  readonly publicUrl: string;
  readonly temporal: {
    readonly address: string;
    readonly namespace: string;
    readonly taskQueue: string;
    /** Address, TLS (custom CA, client certificate) and API key for every connection to Temporal. */
    readonly connection: TemporalConnection;
  };
  readonly mongodbUri: string;
  readonly apiKeys: readonly string[];
  readonly smtpUrl: string | undefined;
  /** Keys for secrets at rest, request digests and Temporal payloads (first = active). */
  readonly keyring: Keyring;
  /** True when no ENCRYPTION_KEYS were given and the public development key is in use. */
  readonly usingDevelopmentKey: boolean;
  /** Job creations allowed per API key per minute. */
  readonly jobsRateLimit: number;
  readonly maxRunningJobsPerKey: number;
  readonly mailFrom: string;
  readonly storageDir: string;
  readonly stagingDir: string;
  /** Removing ended jobs' leftover staging files (src/jobs/staging-sweep.ts); interval 0 is off. */
  readonly stagingSweep: { readonly intervalMs: number; readonly minAgeMs: number };
  readonly workerHostId: string | undefined;
  readonly exportBatchSize: number;
  /** Read contacts as raw BSON and write rows from the bytes (src/export/bson-rows.ts). */
  readonly exportRawBson: boolean;
  /** gzip level for compressed exports (1: fastest; see bench/results.md). */
  readonly gzipLevel: number;
  /** Parallel export: partitions, and the job size from which they are used. */
  readonly exportPartitions: number;
  readonly exportPartitionMinContacts: number;
  readonly destinationTimeoutMs: number;
  readonly ftpTls: 'off' | 'explicit';
  readonly ftpTlsCaFile: string | undefined;
  readonly s3Endpoint: string | undefined;
  /** Azure Blob service for emulators (Azurite); the account is appended as a path segment. */
  readonly azureBlobEndpoint: string | undefined;
  readonly gcs: { readonly apiEndpoint: string | undefined; readonly projectId: string | undefined };
  /** Internal storage in a bucket instead of STORAGE_DIR. */
  readonly storageS3:
    | {
        readonly bucket: string;
        readonly prefix: string;
        readonly region: string;
        readonly accessKeyId?: string;
        readonly secretAccessKey?: string;
      }
    | undefined;
  readonly purgeIntervalMs: number;
  /** The shortest `every` an export schedule may have (cron's own step is a minute). */
  readonly scheduleMinIntervalMs: number;
  /** The codec endpoint for the Temporal Web UI and CLI. */
  readonly codec: { readonly corsOrigins: readonly string[]; readonly allowUnauthenticated: boolean };
  /** The worker's Prometheus endpoint (0: off). */
  readonly metrics: { readonly port: number; readonly host: string };
  /** Destinations may resolve to loopback/private addresses (tests, on-premise partners). */
  readonly allowPrivateDestinations: boolean;
  /** SFTP destinations must pin the server's host key (hostKeyFingerprint). */
  readonly sftpRequireHostKey: boolean;
  /** Signs job-ended callbacks (Standard Webhooks); without it, callbackUrl is refused. */
  readonly webhookSecret: string | undefined;
  /** How long a callback is retried before it is given up. */
  readonly webhookRetryWindowMs: number;
  readonly storageRetentionMs: number;
  /** How long a presigned download URL (S3 internal storage) stays valid. */
  readonly downloadUrlTtlMs: number;
  readonly exportHeartbeatTimeoutMs: number;
  readonly exportHostTimeoutMs: number;
  /** Longest an export (or a partition, or a join) may run, and an upload. */
  readonly exportTimeoutMs: number;
  readonly uploadTimeoutMs: number;
  readonly progressIntervalMs: number;
  readonly emailMaxAttempts: number;
  /**
   * Per worker process: exports (whole files, partitions, joins) and uploads that run at once;
   * more wait in line, started and heartbeating. And Temporal's activity slots per queue, which
   * must exceed the jobs a host may hold so that no task waits unstarted (see src/work-line.ts).
   */
  readonly concurrency: {
    readonly exports: number;
    readonly uploads: number;
    readonly hostActivitySlots: number;
    readonly sharedActivitySlots: number;
  };
}

/** Public and therefore not secret: lets development start without set-up; refused in production. */
const developmentKey = createHash('sha256')
  .update('contact-exports development key (not secret)')
  .digest('base64');

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = this.constructor.name;
  }
}

/** Parses an environment (process.env by default). Empty strings count as unset. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const key = issue.path.join('.');
        const got = cleaned[key];
        return `${key}: ${issue.message}${got !== undefined && !issue.message.includes('got') ? ` (got "${got}")` : ''}`;
      }),
    );
  }
  const e = parsed.data;
  let temporal: { connection: TemporalConnection; namespace: string };
  try {
    temporal = temporalConnectionFrom(cleaned);
  } catch (err) {
    throw new ConfigError([`TEMPORAL_*: ${err instanceof Error ? err.message : String(err)}`]);
  }
  let keyring: Keyring;
  if (e.ENCRYPTION_KEYS) {
    try {
      keyring = parseKeyring(e.ENCRYPTION_KEYS);
    } catch (err) {
      throw new ConfigError([`ENCRYPTION_KEYS: ${err instanceof Error ? err.message : String(err)}`]);
    }
  } else if (e.NODE_ENV === 'production') {
    throw new ConfigError([
      'ENCRYPTION_KEYS: required in production (one key: k1:$(openssl rand -base64 32))',
    ]);
  } else {
    keyring = parseKeyring(`dev:${developmentKey}`);
  }
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    temporal: {
      address: temporal.connection.address,
      namespace: temporal.namespace,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      connection: temporal.connection,
    },
    mongodbUri: e.MONGODB_URI,
    apiKeys: e.API_KEYS,
    smtpUrl: e.SMTP_URL,
    keyring,
    usingDevelopmentKey: !e.ENCRYPTION_KEYS,
    jobsRateLimit: e.JOBS_RATE_LIMIT,
    maxRunningJobsPerKey: e.MAX_RUNNING_JOBS_PER_KEY,
    mailFrom: e.MAIL_FROM,
    storageDir: path.resolve(e.STORAGE_DIR),
    stagingDir: path.resolve(e.STAGING_DIR),
    stagingSweep: { intervalMs: e.STAGING_SWEEP_INTERVAL, minAgeMs: e.STAGING_SWEEP_MIN_AGE },
    workerHostId: e.WORKER_HOST_ID,
    exportBatchSize: e.EXPORT_BATCH_SIZE,
    exportRawBson: e.EXPORT_RAW_BSON,
    gzipLevel: e.GZIP_LEVEL,
    exportPartitions: e.EXPORT_PARTITIONS,
    exportPartitionMinContacts: e.EXPORT_PARTITION_MIN_CONTACTS,
    allowPrivateDestinations: e.ALLOW_PRIVATE_DESTINATIONS,
    sftpRequireHostKey: e.SFTP_REQUIRE_HOST_KEY,
    webhookSecret: e.WEBHOOK_SECRET,
    webhookRetryWindowMs: e.WEBHOOK_RETRY_WINDOW,
    destinationTimeoutMs: e.DESTINATION_TIMEOUT,
    ftpTls: e.FTP_TLS,
    ftpTlsCaFile: e.FTP_TLS_CA_FILE,
    s3Endpoint: e.S3_ENDPOINT,
    azureBlobEndpoint: e.AZURE_BLOB_ENDPOINT,
    gcs: { apiEndpoint: e.STORAGE_EMULATOR_HOST, projectId: e.GCS_PROJECT_ID },
    storageS3: e.STORAGE_S3_BUCKET
      ? {
          bucket: e.STORAGE_S3_BUCKET,
          prefix: e.STORAGE_S3_PREFIX,
          region: e.STORAGE_S3_REGION,
          accessKeyId: e.STORAGE_S3_ACCESS_KEY_ID,
          secretAccessKey: e.STORAGE_S3_SECRET_ACCESS_KEY,
        }
      : undefined,
    purgeIntervalMs: e.PURGE_INTERVAL,
    scheduleMinIntervalMs: e.SCHEDULE_MIN_INTERVAL,
    metrics: { port: e.METRICS_PORT, host: e.METRICS_HOST },
    codec: { corsOrigins: e.CODEC_CORS_ORIGINS, allowUnauthenticated: e.CODEC_ALLOW_UNAUTHENTICATED },
    storageRetentionMs: e.STORAGE_RETENTION,
    downloadUrlTtlMs: e.DOWNLOAD_URL_TTL,
    exportHeartbeatTimeoutMs: e.EXPORT_HEARTBEAT_TIMEOUT,
    exportHostTimeoutMs: e.EXPORT_HOST_TIMEOUT,
    exportTimeoutMs: e.EXPORT_TIMEOUT,
    uploadTimeoutMs: e.UPLOAD_TIMEOUT,
    progressIntervalMs: e.PROGRESS_INTERVAL,
    emailMaxAttempts: e.EMAIL_MAX_ATTEMPTS,
    concurrency: {
      exports: e.EXPORT_CONCURRENCY,
      uploads: e.UPLOAD_CONCURRENCY,
      hostActivitySlots: e.HOST_ACTIVITY_SLOTS,
      sharedActivitySlots: e.SHARED_ACTIVITY_SLOTS,
    },
  };
}
