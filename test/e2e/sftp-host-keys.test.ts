import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { seedStore } from '../../src/seed/seed-store';
import { deliveryAttempts, runJob } from '../helpers/deliveries';
import { waitForJob } from '../helpers/jobs';
import { testConfig, testServers, uniqueId } from '../helpers/servers';
import { startTestStack, type TestStack } from '../helpers/stack';
import { startSshServer, type SshServer } from '../servers/sshd';
import { KEY_USER, PARTNER_USER, serverBaseDir } from '../servers/system-users';

type ErrorBody = { error: { code: string; details: { path: string; message: string }[] } };

/** The fingerprint OpenSSH prints for a public key file: what a partner would send. */
function fingerprintOf(publicKeyFile: string): string {
  const printed = execFileSync('ssh-keygen', ['-lf', publicKeyFile], { encoding: 'utf8' });
  const match = /SHA256:[A-Za-z0-9+/]{43}/.exec(printed);
  if (!match) throw new Error(`no fingerprint in: ${printed}`);
  return match[0];
}

/** SFTP host-key pinning against OpenSSH sshd and its real host key. */
describe('SFTP host-key pinning', () => {
  const { partnerPassword } = testServers();
  const dir = serverBaseDir(uniqueId('sshd-pin'));
  let server: SshServer;
  let stack: TestStack;
  let pinned: string;
  let otherKey: string;

  beforeAll(async () => {
    server = await startSshServer({
      dir,
      password: partnerPassword,
      logFile: path.join(testServers().runDir, 'logs', 'sshd-pin.log'),
    });
    pinned = fingerprintOf(path.join(dir, 'host_key.pub'));
    // Another server's key: what a man in the middle would present.
    const other = path.join(testServers().runDir, uniqueId('other-host-key'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    otherKey = fingerprintOf(`${other}.pub`);
    stack = await startTestStack({ config: testConfig({ DESTINATION_TIMEOUT: '10s' }) });
    await seedStore(stack.db, { contacts: 100 });
  });
  afterAll(async () => {
    await stack?.stop();
    await server?.stop();
  });

  const destination = (extra: Record<string, unknown>) => ({
    type: 'sftp',
    server: '127.0.0.1',
    port: server.port,
    username: PARTNER_USER,
    password: partnerPassword,
    ...extra,
  });
  const uploads = (folder: string): string[] => {
    const where = path.join(server.chrootBase, PARTNER_USER, folder);
    return existsSync(where) ? readdirSync(where) : [];
  };

  it('when asked which keys a server presents, then GET /sftphostkeys gives the fingerprint ssh-keygen prints', async () => {
    const res = await stack.request<{ hostKeys: { type: string; fingerprint: string }[] }>(
      'GET',
      `/sftphostkeys?server=127.0.0.1&port=${server.port}`,
    );
    expect(res.status).toBe(200);
    expect(res.body.hostKeys).toEqual([{ type: 'ssh-ed25519', fingerprint: pinned }]);
  });

  it('when the pin matches, then the file is delivered', async () => {
    const folder = `/upload/${uniqueId('pin-ok')}`;
    const job = await runJob(stack, {
      exportType: 'csv',
      name: 'pinned',
      destination: destination({ path: folder, hostKeyFingerprint: pinned }),
    });
    expect(job.error).toBeNull();
    expect(job.status).toBe('Done');
    expect(uploads(folder)).toEqual(['pinned.csv']);
  });

  it('when the server presents another key, then the job fails at once with host_key_mismatch, both fingerprints, and nothing written', async () => {
    const folder = `/upload/${uniqueId('pin-bad')}`;
    const job = await runJob(stack, {
      exportType: 'csv',
      name: 'mismatch',
      destination: destination({ path: folder, hostKeyFingerprint: otherKey }),
    });
    expect(job.status).toBe('Failed');
    expect(job.error?.code).toBe('host_key_mismatch');
    expect(job.error?.message).toContain(pinned);
    expect(job.error?.message).toContain(otherKey);
    expect(await deliveryAttempts(stack, job.jobID)).toBe(1);
    // Not even the folder: the handshake stopped before authentication.
    expect(existsSync(path.join(server.chrootBase, PARTNER_USER, folder))).toBe(false);
  });

  it('when a saved key carries the pin, then its uploads are checked against it, and PATCH changes it', async () => {
    const created = await stack.request<{ publicKey: string; hostKeyFingerprint: string }>(
      'POST',
      '/sftpkeys',
      {
        name: 'pinned-partner',
        hostKeyFingerprint: otherKey,
      },
    );
    expect(created.status).toBe(201);
    expect(created.body.hostKeyFingerprint).toBe(otherKey);
    server.authorizeKey(KEY_USER, created.body.publicKey);
    const keyDestination = {
      type: 'sftp',
      server: '127.0.0.1',
      port: server.port,
      username: KEY_USER,
      savedKey: 'pinned-partner',
      path: '/upload',
    };
    const refused = await runJob(stack, {
      exportType: 'csv',
      name: 'saved-mismatch',
      destination: keyDestination,
    });
    expect(refused.error?.code).toBe('host_key_mismatch');

    const patched = await stack.request<{ hostKeyFingerprint: string }>('PATCH', '/sftpkeys/pinned-partner', {
      hostKeyFingerprint: pinned,
    });
    expect(patched.body.hostKeyFingerprint).toBe(pinned);
    const delivered = await runJob(stack, {
      exportType: 'csv',
      name: 'saved-pinned',
      destination: keyDestination,
    });
    expect(delivered.error).toBeNull();
    expect(readdirSync(path.join(server.chrootBase, KEY_USER, 'upload'))).toContain('saved-pinned.csv');
  });

  it('when a fingerprint is malformed, then POST answers 400 naming it', async () => {
    const res = await stack.request<ErrorBody>('POST', '/contactexports', {
      exportType: 'csv',
      destination: destination({ hostKeyFingerprint: 'MD5:aa:bb' }),
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d) => d.path)).toEqual(['destination.hostKeyFingerprint']);
  });

  it('when SFTP_REQUIRE_HOST_KEY is on, then an unpinned SFTP request is a 400 and a pinned one is taken', async () => {
    const strict = await startTestStack({
      // The same database (its saved keys) and queue (its worker runs the jobs) as the main stack.
      config: testConfig({
        SFTP_REQUIRE_HOST_KEY: 'true',
        MONGODB_URI: stack.config.mongodbUri,
        TEMPORAL_TASK_QUEUE: stack.config.temporal.taskQueue,
      }),
      worker: false,
    });
    try {
      const unpinned = await strict.request<ErrorBody>('POST', '/contactexports', {
        exportType: 'csv',
        destination: destination({}),
      });
      expect(unpinned.status).toBe(400);
      expect(unpinned.body.error.details.map((d) => d.path)).toEqual(['destination.hostKeyFingerprint']);
      for (const pinnedDestination of [
        {
          type: 'sftp',
          server: '127.0.0.1',
          port: server.port,
          username: KEY_USER,
          savedKey: 'pinned-partner',
          path: '/upload',
        },
        destination({ hostKeyFingerprint: pinned, path: '/upload' }),
      ]) {
        const accepted = await strict.request<{ jobID: string }>('POST', '/contactexports', {
          exportType: 'csv',
          destination: pinnedDestination,
        });
        expect(accepted.status).toBe(202);
        const { job } = await waitForJob(stack, accepted.body.jobID);
        expect(job.error).toBeNull();
      }
    } finally {
      await strict.stop();
    }
  });

  it('when the server is a private address and those are refused, then GET /sftphostkeys is a 422 naming server', async () => {
    const guarded = await startTestStack({
      config: testConfig({ ALLOW_PRIVATE_DESTINATIONS: 'false' }),
      worker: false,
    });
    try {
      const res = await guarded.request<ErrorBody>(
        'GET',
        `/sftphostkeys?server=127.0.0.1&port=${server.port}`,
      );
      expect(res.status).toBe(422);
      expect(res.body.error.details.map((d) => d.path)).toEqual(['server']);
    } finally {
      await guarded.stop();
    }
  });
});
