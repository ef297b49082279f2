import { Context } from '@temporalio/activity';
import type { JobView } from '../src/jobs/types';
import type { Mailer } from '../src/mail/mailer';
import { renderJobEmail } from '../src/mail/templates';

export function createNotifyActivities(mailer: Mailer) {
  return {
    /** Sends the job-ended email; failures throw so Temporal retries them with backoff. */
    async sendJobEmail(input: { to: string; job: JobView }): Promise<{ sent: boolean; detail: string }> {
      if (!mailer.enabled) return { sent: false, detail: 'no SMTP server configured (SMTP_URL)' };
      const { messageId } = await mailer.send(input.to, renderJobEmail(input.job));
      Context.current().log.info('confirmation email sent', { jobID: input.job.jobID, messageId });
      return { sent: true, detail: messageId };
    },
  };
}
