import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

describe('configuration (SPEC section 9)', () => {
  it('when nothing is set, then the embedded defaults apply', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.temporal).toEqual({
      address: '127.0.0.1:7233',
      namespace: 'default',
      taskQueue: 'contact-exports',
      connection: { address: '127.0.0.1:7233' },
    });
    expect(config.mongodbUri).toBe('mongodb://127.0.0.1:27017/contact_exports');
    expect(config.storageRetentionMs).toBe(30 * 86_400_000);
    expect(config.allowPrivateDestinations).toBe(false);
    expect(config.publicUrl).toBe('http://localhost:3000');
  });

  it('when values are given, then they are parsed (lists, durations, booleans)', () => {
    const config = loadConfig({
      PORT: '8080',
      API_KEYS: ' a , b,,c ',
      STORAGE_RETENTION: '10s',
      EXPORT_HEARTBEAT_TIMEOUT: '1.5m',
      ALLOW_PRIVATE_DESTINATIONS: 'true',
      PUBLIC_URL: 'https://exports.example.com/',
    });
    expect(config.port).toBe(8080);
    expect(config.apiKeys).toEqual(['a', 'b', 'c']);
    expect(config.storageRetentionMs).toBe(10_000);
    expect(config.exportHeartbeatTimeoutMs).toBe(90_000);
    expect(config.allowPrivateDestinations).toBe(true);
    expect(config.publicUrl).toBe('https://exports.example.com');
  });

  it.each([
    ['PORT', 'abc', /PORT: expected a port number/],
    ['PORT', '70000', /PORT: expected a port number 1-65535/],
    ['MONGODB_URI', 'postgres://x', /MONGODB_URI: expected a mongodb:\/\//],
    ['STORAGE_RETENTION', 'soon', /STORAGE_RETENTION: expected a duration like 30d/],
    ['ALLOW_PRIVATE_DESTINATIONS', 'maybe', /ALLOW_PRIVATE_DESTINATIONS: expected true or false/],
    ['TEMPORAL_TASK_QUEUE', 'a queue', /TEMPORAL_TASK_QUEUE: letters, digits/],
  ])('when %s=%s, then loading fails with a message naming the key', (key, value, message) => {
    expect(() => loadConfig({ [key]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [key]: value })).toThrow(message);
  });

  it('when several values are bad, then every problem is reported', () => {
    try {
      loadConfig({ PORT: 'x', EXPORT_BATCH_SIZE: '-1' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toHaveLength(2);
    }
  });

  it('when a Temporal profile file and variables are given, then they are read as the temporal CLI reads them', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'envconfig-'));
    const file = path.join(dir, 'temporal.toml');
    writeFileSync(
      file,
      '[profile.cloud]\naddress = "ns.a1b2c.tmprl.cloud:7233"\nnamespace = "ns.a1b2c"\napi_key = "from-file"\n',
    );
    const cloud = loadConfig({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cloud' });
    expect(cloud.temporal).toMatchObject({
      address: 'ns.a1b2c.tmprl.cloud:7233',
      namespace: 'ns.a1b2c',
      connection: { address: 'ns.a1b2c.tmprl.cloud:7233', apiKey: 'from-file', tls: true },
    });
    // A variable wins over the profile, as it does for the CLI.
    const overridden = loadConfig({
      TEMPORAL_CONFIG_FILE: file,
      TEMPORAL_PROFILE: 'cloud',
      TEMPORAL_NAMESPACE: 'other',
    });
    expect(overridden.temporal.namespace).toBe('other');
    expect(() => loadConfig({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: path.join(dir, 'missing.pem') })).toThrow(
      /TEMPORAL_/,
    );
  });
});
