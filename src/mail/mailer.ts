import nodemailer, { type Transporter } from 'nodemailer';
import type { Config } from '../config';
import type { RenderedEmail } from './templates';

export interface Mailer {
  /** False when no SMTP server is configured (SMTP_URL). */
  readonly enabled: boolean;
  send(to: string, email: RenderedEmail): Promise<{ messageId: string }>;
}

/** nodemailer over SMTP (SMTP_URL, sender MAIL_FROM); a disabled mailer when SMTP_URL is unset. */
export function createMailer(config: Config): Mailer {
  if (!config.smtpUrl) {
    return { enabled: false, send: () => Promise.reject(new Error('SMTP_URL is not configured')) };
  }
  const transport: Transporter = nodemailer.createTransport(
    // Short timeouts: a dead mail server fails an attempt quickly and Temporal retries it.
    { url: config.smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 },
    { from: config.mailFrom },
  );
  return {
    enabled: true,
    send: async (to, email) => {
      const info = (await transport.sendMail({
        to,
        subject: email.subject,
        text: email.text,
        html: email.html,
      })) as { messageId: string };
      return { messageId: info.messageId };
    },
  };
}
