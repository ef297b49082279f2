import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { parseKeyring } from '../../src/crypto/keyring';
import { failureConverterPath } from '../../src/temporal/connect';
import { EncryptionCodec } from '../../src/temporal/encryption-codec';
import { historiesDir, REPLAY_ENCRYPTION_KEYS } from '../helpers/histories';

/**
 * Every recorded history (test/histories, see README "Changing the workflow") replays against
 * today's workflow code: a change that would fail a job already running fails here first.
 */
describe('recorded workflow histories replay against the current workflow code', () => {
  const files = readdirSync(historiesDir)
    .filter((f) => f.endsWith('.json'))
    .sort();

  beforeAll(() => {
    try {
      Runtime.install({ logger: new DefaultLogger('ERROR') });
    } catch {
      // Already installed in this process.
    }
  });

  it('has the recorded set: done, gzip with email, failed delivery, cancelled, K = 4, host moved, scheduled runs, callback, PGP, split files', () => {
    for (const scenario of [
      'done-csv',
      'done-gzip-email',
      'failed-delivery',
      'cancelled-mid-export',
      'partitioned-k4',
      'host-moved',
      'scheduled-run-done',
      'scheduled-run-failed',
      'callback-delivered',
      'pgp-sftp',
      'split-sftp',
    ])
      expect(files.filter((f) => f.endsWith(`-${scenario}.json`)).length).toBeGreaterThan(0);
  });

  it('when each history is replayed, then no determinism error or failure occurs', async () => {
    const histories = files.map((file) => ({
      workflowId: file.replace(/\.json$/, ''),
      history: JSON.parse(readFileSync(path.join(historiesDir, file), 'utf8')) as unknown,
    }));
    const results = Worker.runReplayHistories(
      {
        workflowsPath: require.resolve('../../workflows'),
        dataConverter: {
          payloadCodecs: [new EncryptionCodec(parseKeyring(REPLAY_ENCRYPTION_KEYS))],
          failureConverterPath,
        },
      },
      histories,
    );
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of results) {
      replayed++;
      if (result.error) failures.push(`${result.workflowId}: ${String(result.error)}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(files.length);
  }, 120_000);
});
