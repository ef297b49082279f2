import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { startMailCatcher, type MailCatcher } from '../../src/devstack/mail-catcher';
import { freePort } from '../../src/devstack/processes';
import { seedStore } from '../../src/seed/seed-store';
import { runJob } from '../helpers/deliveries';
import { recordHistory } from '../helpers/histories';
import { waitForJob } from '../helpers/jobs';
import { testConfig, testServers, uniqueId } from '../helpers/servers';
import { startTestStack, type TestStack } from '../helpers/stack';
import { PARTNER_USER } from '../servers/system-users';

async function mailTo(catcher: MailCatcher, to: string, timeoutMs = 30_000): Promise<ParsedMail> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    const files = existsSync(catcher.dir) ? readdirSync(catcher.dir) : [];
    for (const file of files) {
      const mail = await simpleParser(readFileSync(path.join(catcher.dir, file)));
      const recipients = [mail.to].flat().flatMap((a) => (a ? a.value.map((v) => v.address) : []));
      if (recipients.includes(to)) return mail;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no email to ${to}`);
}

describe('the confirmation email (nodemailer over SMTP)', () => {
  const { sftp, partnerPassword } = testServers();
  let catcher: MailCatcher;
  let stack: TestStack;

  beforeAll(async () => {
    const port = await freePort();
    catcher = await startMailCatcher({ port, dir: path.join(testServers().runDir, uniqueId('mail')) });
    stack = await startTestStack({
      config: testConfig({ SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_FROM: 'exports@example.com' }),
    });
    await seedStore(stack.db, { contacts: 1234 });
  });
  afterAll(async () => {
    await stack?.stop();
    await catcher?.stop();
  });

  it('when a job is done, then the email says where the file is, with rows and size, in text and HTML', async () => {
    const created = await stack.request<{ jobID: string }>('POST', '/contactexports', {
      exportType: 'csv',
      name: 'emailed',
      compress: true,
      confirmEmail: 'ops@example.com',
    });
    // Done as soon as the file is delivered; `notification` stays null until the email is sent.
    const { job } = await waitForJob(stack, created.body.jobID, (j) => j.notification !== null);
    expect(job.status).toBe('Done');
    expect(job.notification).toMatchObject({ email: 'ops@example.com', status: 'sent' });
    const mail = await mailTo(catcher, 'ops@example.com');
    expect(mail.from?.text).toBe('exports@example.com');
    expect(mail.subject).toBe('Contact export "emailed" is done');
    for (const expected of [
      job.jobID,
      'Contacts: 1,234',
      `File: emailed.csv.gz`,
      `Download: ${stack.config.publicUrl}/jobs/${job.jobID}/download`,
      `Available until: ${job.expiresAt}`,
    ]) {
      expect(mail.text).toContain(expected);
    }
    expect(mail.html).toContain(`<a href="${stack.config.publicUrl}/jobs/${job.jobID}/download">`);
    await recordHistory(stack.client, job.jobID, 'done-gzip-email');
  });

  it('when a job fails, then the email gives the reason, and no password appears anywhere in it', async () => {
    const job = await runJob(stack, {
      exportType: 'csv',
      name: 'email-failed',
      confirmEmail: 'failed@example.com',
      destination: {
        type: 'sftp',
        server: '127.0.0.1',
        port: sftp.port,
        username: PARTNER_USER,
        password: 'a-wrong-SECRET-pw',
      },
    });
    expect(job.status).toBe('Failed');
    const mail = await mailTo(catcher, 'failed@example.com');
    expect(mail.subject).toBe('Contact export "email-failed" failed');
    expect(mail.text).toContain(`Reason: SFTP login refused for user '${PARTNER_USER}'`);
    const raw = readdirSync(catcher.dir)
      .map((f) => readFileSync(path.join(catcher.dir, f), 'utf8'))
      .join('\n');
    for (const secret of ['a-wrong-SECRET-pw', partnerPassword]) expect(raw).not.toContain(secret);
  });

  it('when the mail server is down, then the email is retried and the delivered export still ends Done', async () => {
    const deadPort = await freePort();
    const noMail = await startTestStack({
      config: testConfig({ SMTP_URL: `smtp://127.0.0.1:${deadPort}`, EMAIL_MAX_ATTEMPTS: '2' }),
    });
    try {
      await seedStore(noMail.db, { contacts: 10 });
      const created = await noMail.request<{ jobID: string }>('POST', '/contactexports', {
        exportType: 'csv',
        confirmEmail: 'nobody@example.com',
      });
      const { job, seen } = await waitForJob(
        noMail,
        created.body.jobID,
        (j) => j.notification !== null,
        60_000,
      );
      expect(seen.some((j) => j.status === 'Done' && j.phase === 'notifying')).toBe(true);
      expect(job.status).toBe('Done');
      expect(job.notification).toMatchObject({ email: 'nobody@example.com', status: 'failed' });
      expect(job.notification?.detail).toMatch(/ECONNREFUSED/);
      expect((await noMail.request('GET', `/jobs/${job.jobID}/download`)).status).toBe(200);
    } finally {
      await noMail.stop();
    }
  });
});
