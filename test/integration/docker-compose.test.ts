import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { configKeys, loadConfig } from '../../src/config';
import { TEST_ENCRYPTION_KEYS } from '../helpers/servers';

const root = path.resolve(__dirname, '..', '..');

interface ComposeProject {
  services: Record<
    string,
    { image?: string; build?: unknown; environment?: Record<string, string>; command?: string[] }
  >;
}

/**
 * There is no Docker engine here, so docker-compose.yml is loaded with compose-go (the library
 * Docker Compose uses) to check it against the Compose specification, and its app settings are
 * checked against our own configuration schema.
 */
describe('docker-compose.yml', () => {
  let project: ComposeProject;

  beforeAll(() => {
    const result = spawnSync('go', ['run', '.', path.join(root, 'docker-compose.yml')], {
      cwd: path.join(root, 'scripts', 'compose-check'),
      // What an operator must provide; compose refuses to start without it.
      env: { ...process.env, ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS },
      encoding: 'utf8',
      timeout: 300_000,
    });
    if (result.status !== 0) throw new Error(`compose-check failed: ${result.stderr}`);
    project = JSON.parse(result.stdout) as ComposeProject;
  }, 300_000);

  it('when loaded per the Compose specification, then it holds the whole production-like stack', () => {
    expect(Object.keys(project.services).sort()).toEqual(
      [
        'api',
        'mailpit',
        'mongodb',
        'postgresql',
        'temporal',
        'temporal-namespace',
        'temporal-schema',
        'temporal-ui',
        'worker',
      ].sort(),
    );
    expect(project.services.temporal?.image).toMatch(/^temporalio\/server:/);
    expect(project.services.mongodb?.image).toMatch(/^mongo:7/);
    expect(project.services.api?.build).toBeDefined();
    expect(project.services.worker?.command).toEqual([
      'node',
      '--max-old-space-size=512',
      'dist/src/worker.js',
    ]);
  });

  it('when ENCRYPTION_KEYS is not provided, then compose refuses to start, saying so', () => {
    const env = { ...process.env };
    delete env.ENCRYPTION_KEYS;
    const result = spawnSync('go', ['run', '.', path.join(root, 'docker-compose.yml')], {
      cwd: path.join(root, 'scripts', 'compose-check'),
      env,
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('set ENCRYPTION_KEYS');
  });

  it.each(['api', 'worker'])(
    'when the %s starts, then every variable it is given is one we read, and valid',
    (service) => {
      const env = project.services[service]?.environment ?? {};
      const unknown = Object.keys(env).filter((k) => !configKeys.includes(k));
      expect(unknown).toEqual([]);
      expect(() => loadConfig(env)).not.toThrow();
    },
  );
});
