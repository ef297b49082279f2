import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import SftpClient from 'ssh2-sftp-client';
import { findTool } from '../../src/devstack/binaries';
import type { Manifest } from '../../src/export/split';
import type { JobView } from '../../src/jobs/types';
import { seedStore } from '../../src/seed/seed-store';
import { recordHistory } from '../helpers/histories';
import { downloadFile, fetchLocation, runJob, storedEmails } from '../helpers/deliveries';
import { OTHER_API_KEY, testConfig, testServers, uniqueId } from '../helpers/servers';
import { startTestStack, type TestStack } from '../helpers/stack';
import { PARTNER_USER } from '../servers/system-users';

const CONTACTS = 2000;

type ErrorBody = { error: { code: string; details: { path: string; message: string }[] } };

/**
 * PGP-encrypted exports (openpgp), decrypted by GnuPG as a partner would: saved and inline public
 * keys, gzip first then encryption, SFTP and internal storage, and every kind of unusable key.
 */
describe('PGP encryption of delivered files (decrypted with GnuPG)', () => {
  const { sftp, partnerPassword } = testServers();
  const home = path.join(testServers().runDir, uniqueId('gpg'));
  const gpg = (...args: string[]): Buffer =>
    execFileSync(
      findTool('gpg'),
      ['--batch', '--quiet', '--pinentry-mode', 'loopback', '--passphrase', '', ...args],
      {
        env: { ...process.env, GNUPGHOME: home },
        maxBuffer: 256 * 1024 * 1024,
      },
    );
  const keys: Record<'partner' | 'signOnly' | 'expired' | 'secret', string> = {
    partner: '',
    signOnly: '',
    expired: '',
    secret: '',
  };
  let fingerprint = '';
  let stack: TestStack;
  let emails: string[];

  beforeAll(async () => {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    gpg('--quick-gen-key', 'Partner <partner@example.com>', 'default', 'default', 'never');
    gpg('--quick-gen-key', 'Signer <signer@example.com>', 'ed25519', 'sign', 'never');
    gpg(
      '--faked-system-time',
      '20200101T000000',
      '--quick-gen-key',
      'Old <old@example.com>',
      'default',
      'default',
      '1d',
    );
    keys.partner = gpg('--armor', '--export', 'partner@example.com').toString();
    keys.signOnly = gpg('--armor', '--export', 'signer@example.com').toString();
    keys.expired = gpg('--armor', '--export', 'old@example.com').toString();
    keys.secret = gpg('--armor', '--export-secret-keys', 'partner@example.com').toString();
    fingerprint =
      /^fpr:+([0-9A-F]{40}):/m.exec(
        gpg('--with-colons', '--fingerprint', 'partner@example.com').toString(),
      )?.[1] ?? '';
    stack = await startTestStack({ config: testConfig() });
    await seedStore(stack.db, { contacts: CONTACTS });
    emails = await storedEmails(stack.db);
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
    try {
      execFileSync(findTool('gpg').replace(/gpg$/, 'gpgconf'), ['--kill', 'gpg-agent'], {
        env: { ...process.env, GNUPGHOME: home },
      });
    } catch {
      // No agent was started.
    }
  });

  /** What a partner does: gpg --decrypt, then gunzip when the name says so. */
  const decrypt = (bytes: Buffer, name: string): string => {
    const file = path.join(home, uniqueId('in'));
    writeFileSync(file, bytes);
    const clear = gpg('--decrypt', file);
    return (name.endsWith('.gz.pgp') ? execFileSync('gunzip', ['-c'], { input: clear }) : clear).toString(
      'utf8',
    );
  };

  it('when a public key is saved, then PUT answers 201 then 200 with its fingerprint, the list omits the armored key, and GET gives it back', async () => {
    const first = await stack.request<{ fingerprint: string; userIDs: string[]; expiresAt: string | null }>(
      'PUT',
      '/pgpkeys/partner',
      { publicKey: keys.partner },
    );
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      fingerprint,
      userIDs: ['Partner <partner@example.com>'],
      expiresAt: null,
    });
    expect((await stack.request('PUT', '/pgpkeys/partner', { publicKey: keys.partner })).status).toBe(200);
    const list = await stack.request<{ keys: Record<string, unknown>[] }>('GET', '/pgpkeys');
    expect(list.body.keys.map((k) => [k.name, k.fingerprint, 'publicKey' in k])).toEqual([
      ['partner', fingerprint, false],
    ]);
    const one = await stack.request<{ publicKey: string }>('GET', '/pgpkeys/partner');
    expect(one.body.publicKey).toBe(keys.partner);
    // Keys belong to the API key that saved them.
    expect(
      (await stack.request('GET', '/pgpkeys/partner', undefined, { apiKey: OTHER_API_KEY })).status,
    ).toBe(404);
  });

  it.each([
    ['not a key', 'hello', /not an armored OpenPGP public key/],
    ['a private key', 'secret', /private key: give the public key only/],
    ['a sign-only key', 'signOnly', /cannot encrypt/],
    ['an expired key', 'expired', /expired on 2020-01-02/],
  ] as const)(
    'when the key is %s, then PUT /pgpkeys and POST /contactexports answer 422 naming the field',
    async (_case, which, reason) => {
      const armored =
        which === 'hello'
          ? '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nhello\n-----END PGP PUBLIC KEY BLOCK-----\n'
          : keys[which];
      const put = await stack.request<ErrorBody>('PUT', '/pgpkeys/bad', { publicKey: armored });
      expect(put.status).toBe(422);
      expect(put.body.error.code).toBe('invalid_key');
      expect(put.body.error.details).toEqual([{ path: 'publicKey', message: expect.stringMatching(reason) }]);
      const post = await stack.request<ErrorBody>('POST', '/contactexports', {
        exportType: 'csv',
        encryption: { type: 'pgp', publicKey: armored },
      });
      expect(post.status).toBe(422);
      expect(post.body.error.details).toEqual([
        { path: 'encryption.publicKey', message: expect.stringMatching(reason) },
      ]);
      expect((await stack.request('GET', '/pgpkeys/bad')).status).toBe(404);
    },
  );

  it('when the request names an unknown saved key, or both kinds, then it is refused before any job starts', async () => {
    const unknown = await stack.request<ErrorBody>('POST', '/contactexports', {
      exportType: 'csv',
      encryption: { type: 'pgp', savedKey: 'nobody' },
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.details.map((d) => d.path)).toEqual(['encryption.savedKey']);
    const both = await stack.request<ErrorBody>('POST', '/contactexports', {
      exportType: 'csv',
      encryption: { type: 'pgp', savedKey: 'partner', publicKey: keys.partner },
    });
    expect(both.status).toBe(400);
    expect(both.body.error.details.map((d) => d.path)).toEqual(['encryption.savedKey']);
  });

  it('when a gzip CSV goes to SFTP encrypted to a saved key, then the partner decrypts it with gpg and finds every contact', async () => {
    const folder = `/upload/${uniqueId('pgp')}`;
    const job: JobView = await runJob(stack, {
      exportType: 'csv',
      name: 'encrypted-nightly',
      showHeader: true,
      compress: true,
      fields: ['channels.email.address'],
      encryption: { type: 'PGP', savedKey: 'partner' },
      destination: {
        type: 'sftp',
        server: '127.0.0.1',
        port: sftp.port,
        username: PARTNER_USER,
        password: partnerPassword,
        path: folder,
      },
    });
    expect(job.status).toBe('Done');
    expect(job.file?.name).toBe('encrypted-nightly.csv.gz.pgp');
    await recordHistory(stack.client, job.jobID, 'pgp-sftp');
    const client = new SftpClient();
    await client.connect({
      host: '127.0.0.1',
      port: sftp.port,
      username: PARTNER_USER,
      password: partnerPassword,
    });
    let bytes: Buffer;
    try {
      expect((await client.list(folder)).map((f) => f.name)).toEqual(['encrypted-nightly.csv.gz.pgp']);
      bytes = (await client.get(`${folder}/encrypted-nightly.csv.gz.pgp`)) as Buffer;
    } finally {
      await client.end();
    }
    expect(job.file?.bytes).toBe(bytes.length);
    // Encrypted, not merely renamed: no gzip magic, no plain text.
    expect(bytes.subarray(0, 2).equals(Buffer.from([0x1f, 0x8b]))).toBe(false);
    const rows: string[][] = parse(decrypt(bytes, 'x.csv.gz.pgp'));
    expect(rows[0]).toEqual(['channels.email.address']);
    expect(
      rows
        .slice(1)
        .map((r) => r[0])
        .sort(),
    ).toEqual([...emails].sort());
  });

  it('when an uncompressed CSV is kept in internal storage, encrypted to an inline key, then the download is application/pgp-encrypted and decrypts to every contact', async () => {
    const job = await runJob(stack, {
      exportType: 'csv',
      name: 'encrypted-download',
      fields: ['channels.email.address'],
      encryption: { type: 'pgp', publicKey: keys.partner },
    });
    expect(job.file?.name).toBe('encrypted-download.csv.pgp');
    const bytes = await downloadFile(stack, job.jobID);
    expect(bytes.length).toBe(job.file?.bytes);
    const lines = decrypt(bytes, 'x.csv.pgp').trim().split('\n');
    expect(lines.sort()).toEqual([...emails].sort());
    const head = await stack.request('GET', `/jobs/${job.jobID}/download`);
    expect(head.headers.get('content-type')).toBe('application/pgp-encrypted');
  });

  it('when a gzip CSV is split into files of 800 rows and encrypted, then each file decrypts to its rows and the manifest holds the sha256 of the encrypted bytes', async () => {
    const job = await runJob(stack, {
      exportType: 'csv',
      name: 'encrypted-set',
      compress: true,
      showHeader: true,
      fields: ['channels.email.address'],
      maxRowsPerFile: 800,
      encryption: { type: 'pgp', savedKey: 'partner' },
    });
    expect(job.status).toBe('Done');
    expect(job.files?.map((f) => f.name)).toEqual([
      'encrypted-set-part-00001.csv.gz.pgp',
      'encrypted-set-part-00002.csv.gz.pgp',
      'encrypted-set-part-00003.csv.gz.pgp',
    ]);
    const manifestFile = await fetchLocation(stack, job.manifest?.location);
    // The manifest names, counts and digests; it holds no contact data and stays readable.
    const manifest = JSON.parse(manifestFile.bytes.toString('utf8')) as Manifest;
    expect(manifest).toMatchObject({ encrypted: true, compress: true, totals: { files: 3, rows: CONTACTS } });
    const delivered: string[] = [];
    for (const [i, file] of (job.files ?? []).entries()) {
      const got = await fetchLocation(stack, file.location);
      expect(got.status).toBe(200);
      expect(got.type).toBe('application/pgp-encrypted');
      expect(createHash('sha256').update(got.bytes).digest('hex')).toBe(manifest.files[i]?.sha256);
      expect(got.bytes.length).toBe(manifest.files[i]?.bytes);
      const rows: string[][] = parse(decrypt(got.bytes, file.name));
      expect(rows[0]).toEqual(['channels.email.address']);
      expect(rows.length - 1).toBe(file.rows);
      delivered.push(...rows.slice(1).map((r) => r[0] ?? ''));
    }
    expect(delivered.sort()).toEqual([...emails].sort());
  });

  it('when the saved key is deleted, then GET is 404 and new exports naming it are refused', async () => {
    expect((await stack.request('DELETE', '/pgpkeys/partner')).status).toBe(204);
    expect((await stack.request('GET', '/pgpkeys/partner')).status).toBe(404);
    expect((await stack.request('DELETE', '/pgpkeys/partner')).status).toBe(404);
    const refused = await stack.request<ErrorBody>('POST', '/contactexports', {
      exportType: 'csv',
      encryption: { type: 'pgp', savedKey: 'partner' },
    });
    expect(refused.status).toBe(422);
  });
});
