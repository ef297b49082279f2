import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config';
import { serversFile, type TestServers } from '../setup/servers-file';

let cached: TestServers | undefined;

export function testServers(): TestServers {
  cached ??= JSON.parse(readFileSync(serversFile, 'utf8')) as TestServers;
  return cached;
}

export function uniqueId(prefix = 't'): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

/**
 * API keys of this test file (each file has its own module registry, hence its own keys): jobs
 * are counted per key across the shared Temporal server, so files must not share owners.
 */
export const TEST_API_KEY = `test-key-${randomBytes(6).toString('hex')}`;
/**
 * Histories for the replay test are recorded encrypted, as production stores them, under this
 * fixed key (public, like the development key); the replay test decrypts them with it.
 */
export const REPLAY_ENCRYPTION_KEYS = 'replay:cmVwbGF5LWhpc3Rvcmllcy1maXh0dXJlLWtleS0wMzI=';
/**
 * One random key per test run (tests check what is sealed, never a fixed ciphertext), except while
 * recording histories (RECORD_HISTORIES, see test/helpers/histories.ts).
 */
export const TEST_ENCRYPTION_KEYS = process.env.RECORD_HISTORIES
  ? REPLAY_ENCRYPTION_KEYS
  : `test:${randomBytes(32).toString('base64')}`;
export const OTHER_API_KEY = `other-key-${randomBytes(6).toString('hex')}`;

/**
 * The environment of one test: its own database, task queue, storage and staging folders on the
 * shared servers, and short timeouts so fault tests finish quickly. Spawned worker processes get
 * exactly this environment.
 */
export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const servers = testServers();
  const id = uniqueId();
  const dir = path.join(servers.runDir, id);
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    TEMPORAL_ADDRESS: servers.temporalAddress,
    TEMPORAL_TASK_QUEUE: `ce-${id}`,
    MONGODB_URI: `${servers.mongoUri}/${id}`,
    API_KEYS: `${TEST_API_KEY},${OTHER_API_KEY}`,
    STORAGE_DIR: path.join(dir, 'storage'),
    STAGING_DIR: path.join(dir, 'staging'),
    WORKER_HOST_ID: `host-${id}`,
    EXPORT_HEARTBEAT_TIMEOUT: '5s',
    EXPORT_HOST_TIMEOUT: '30s',
    PROGRESS_INTERVAL: '200ms',
    ALLOW_PRIVATE_DESTINATIONS: 'true',
    ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
    WORKFLOW_BUNDLE: servers.workflowBundle,
    S3_ENDPOINT: servers.s3.endpoint,
    STORAGE_EMULATOR_HOST: servers.gcs.endpoint,
    AZURE_BLOB_ENDPOINT: servers.azure.endpoint,
    GCS_PROJECT_ID: 'test-project',
    PURGE_INTERVAL: '1h',
    // Off: parallel test files would share the default 9464; the metrics test sets its own port.
    METRICS_PORT: '0',
    ...overrides,
  };
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig(testEnv(overrides));
}
