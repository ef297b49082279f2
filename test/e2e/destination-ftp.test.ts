import { readdirSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Client } from 'basic-ftp';
import { freePort } from '../../src/devstack/processes';
import { seedStore } from '../../src/seed/seed-store';
import {
  deliveryAttempts,
  gzipCsvRows,
  runJob,
  storedEmails,
  waitForFailedDelivery,
} from '../helpers/deliveries';
import { waitForJob } from '../helpers/jobs';
import { testConfig, testServers, uniqueId } from '../helpers/servers';
import { startTestStack, type TestStack } from '../helpers/stack';
import { PARTNER_USER, serverBaseDir } from '../servers/system-users';
import { startFtpServer } from '../servers/vsftpd';
import { selfSignedCertificate } from '../servers/tls';

async function readBack(
  port: number,
  user: string,
  password: string,
  file: string,
  secure = false,
): Promise<Buffer> {
  const client = new Client();
  const chunks: Buffer[] = [];
  try {
    await client.access({
      host: '127.0.0.1',
      port,
      user,
      password,
      secure,
      secureOptions: { rejectUnauthorized: false },
    });
    await client.downloadTo(
      new Writable({
        write(chunk: Buffer, _e, cb) {
          chunks.push(chunk);
          cb();
        },
      }),
      file,
    );
    return Buffer.concat(chunks);
  } finally {
    client.close();
  }
}

describe('delivery to FTP (a real FTP server, passive mode)', () => {
  const { ftp, partnerPassword: password } = testServers();
  let stack: TestStack;
  let emails: string[];
  const base = { exportType: 'csv', compress: true, fields: ['channels.email.address'] };
  const destination = (extra: Record<string, unknown> = {}) => ({
    type: 'ftp',
    server: '127.0.0.1',
    port: String(ftp.port),
    username: PARTNER_USER,
    password,
    ...extra,
  });

  beforeAll(async () => {
    stack = await startTestStack({ config: testConfig({ DESTINATION_TIMEOUT: '10s' }) });
    await seedStore(stack.db, { contacts: 2500 });
    emails = await storedEmails(stack.db);
  });
  afterAll(() => stack?.stop());

  it('when a gzip CSV is delivered, then it is read back over FTP with every contact, and only the final name remains', async () => {
    const folder = `/in/${uniqueId('d')}`;
    const job = await runJob(stack, {
      ...base,
      name: 'ftp-nightly',
      destination: destination({ path: folder }),
    });
    expect(job.status).toBe('Done');
    expect(job.file?.location).toBe(`ftp://127.0.0.1:${ftp.port}${folder}/ftp-nightly.csv.gz`);
    expect(
      gzipCsvRows(await readBack(ftp.port, PARTNER_USER, password, `${folder}/ftp-nightly.csv.gz`)).map(
        (r) => r[0],
      ),
    ).toEqual(emails);
    expect(readdirSync(path.join(ftp.home, folder))).toEqual(['ftp-nightly.csv.gz']);
  });

  it('when the same export runs again, then the file is replaced', async () => {
    const folder = `/in/${uniqueId('again')}`;
    for (let i = 0; i < 2; i++)
      expect(
        (await runJob(stack, { ...base, name: 'ftp-again', destination: destination({ path: folder }) }))
          .status,
      ).toBe('Done');
    expect(readdirSync(path.join(ftp.home, folder))).toEqual(['ftp-again.csv.gz']);
  });

  it('when the password is wrong, then the job fails at once: "FTP login refused"', async () => {
    const job = await runJob(stack, { ...base, destination: destination({ password: 'wrong-password' }) });
    expect(job.status).toBe('Failed');
    expect(job.error?.code).toBe('destination_auth_failed');
    expect(job.error?.message).toMatch(
      new RegExp(`^FTP login refused for user '${PARTNER_USER}' at 127\\.0\\.0\\.1:${ftp.port}`),
    );
    expect(await deliveryAttempts(stack, job.jobID)).toBe(1);
  });

  it('when the folder is not writable, then the job fails at once with permission denied', async () => {
    const job = await runJob(stack, { ...base, destination: destination({ path: '/readonly/sub' }) });
    expect(job.status).toBe('Failed');
    expect(job.error?.code).toBe('destination_permission_denied');
    expect(await deliveryAttempts(stack, job.jobID)).toBe(1);
  });

  it('when the server is down at first and starts a few seconds later, then retries deliver the file', async () => {
    const port = await freePort();
    const created = await stack.request<{ jobID: string }>('POST', '/contactexports', {
      ...base,
      name: 'ftp-late',
      destination: destination({ port }),
    });
    // The server comes up only after a delivery attempt has failed against it.
    expect(await waitForFailedDelivery(stack, created.body.jobID)).toMatch(/ECONNREFUSED|will retry/);
    const late = await startFtpServer({
      dir: serverBaseDir(uniqueId('ftp-late')),
      port,
      password,
      logFile: path.join(testServers().runDir, 'logs', 'ftp-late.log'),
    });
    try {
      const { job } = await waitForJob(stack, created.body.jobID, undefined, 120_000, 250);
      expect(job.error).toBeNull();
      expect(job.status).toBe('Done');
      expect(await deliveryAttempts(stack, job.jobID)).toBeGreaterThan(1);
      expect(readdirSync(late.home).filter((f) => f !== 'readonly')).toEqual(['ftp-late.csv.gz']);
    } finally {
      await late.stop();
    }
  });
});

describe('delivery over explicit FTPS (FTP_TLS=explicit)', () => {
  it('when the operator enables FTPS and trusts the server certificate, then the upload goes over TLS', async () => {
    const runDir = testServers().runDir;
    const tls = selfSignedCertificate(path.join(runDir, 'ftps-cert'));
    const password = testServers().partnerPassword;
    const server = await startFtpServer({
      dir: serverBaseDir(uniqueId('ftps')),
      password,
      tls,
      logFile: path.join(runDir, 'logs', 'ftps.log'),
    });
    const stack = await startTestStack({
      config: testConfig({ FTP_TLS: 'explicit', FTP_TLS_CA_FILE: tls.certFile }),
    });
    try {
      await seedStore(stack.db, { contacts: 100 });
      const destination = {
        type: 'ftp',
        server: '127.0.0.1',
        port: server.port,
        username: PARTNER_USER,
        password,
      };
      const job = await runJob(stack, { exportType: 'json', name: 'ftps', destination });
      expect(job.error).toBeNull();
      expect(job.status).toBe('Done');
      const text = (await readBack(server.port, PARTNER_USER, password, '/ftps.json', true)).toString('utf8');
      expect(JSON.parse(text)).toHaveLength(100);
    } finally {
      await stack.stop();
      await server.stop();
    }
  });
});
