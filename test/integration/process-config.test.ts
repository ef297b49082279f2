import { spawnSync } from 'node:child_process';
import path from 'node:path';

const dist = path.resolve(__dirname, '..', '..', 'dist', 'src');

describe('processes validate their configuration at start', () => {
  it.each([
    ['api', path.join(dist, 'api', 'main.js'), { PORT: 'not-a-port' }, 'PORT'],
    ['worker', path.join(dist, 'worker.js'), { EXPORT_BATCH_SIZE: 'lots' }, 'EXPORT_BATCH_SIZE'],
    ['seed', path.join(dist, 'seed', 'main.js'), { MONGODB_URI: 'http://nope' }, 'MONGODB_URI'],
  ])(
    'when the %s gets a bad value, then it exits 1 with one JSON line naming the key',
    (_name, script, env, key) => {
      const result = spawnSync(process.execPath, [script], {
        env: { ...process.env, ...env },
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(result.status).toBe(1);
      const lines = result.stdout.trim().split('\n').filter(Boolean);
      const fatal = lines
        .map((l) => JSON.parse(l) as { level: string; msg: string; problems?: string[] })
        .find((l) => l.level === 'fatal');
      expect(fatal?.msg).toContain('Invalid configuration');
      expect(fatal?.problems?.join(' ')).toContain(key);
    },
  );
});
