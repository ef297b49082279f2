import { Context } from '@temporalio/activity';
import { resolveDestinationHost } from '../src/destinations/host-guard';
import { AppError, DestinationNotFoundError } from '../src/errors';
import type { JobView } from '../src/jobs/types';
import { webhookHeaders, webhookKey } from '../src/webhooks/signature';
import type { ActivityDeps } from './deps';

/** The receiver answered with something other than 2xx, or could not be reached: try again later. */
export class CallbackNotAcceptedError extends AppError {
  readonly code = 'callback_not_accepted';
  override readonly retryable = true;
}

/** The callback cannot be sent at all (no secret, a refused address): no retry helps. */
export class CallbackRefusedError extends AppError {
  readonly code = 'callback_refused';
}

export function createCallbackActivities(deps: ActivityDeps) {
  return {
    /**
     * One attempt at the job-ended POST, signed per Standard Webhooks under WEBHOOK_SECRET. The
     * workflow's retry policy makes the attempts; the webhook-id stays the job's, the timestamp
     * and signature are made fresh each time (receivers refuse old timestamps).
     */
    async sendJobCallback(input: {
      url: string;
      id: string;
      type: string;
      job: JobView;
    }): Promise<{ status: number; attempts: number }> {
      const ctx = Context.current();
      const secret = deps.config.webhookSecret;
      if (!secret)
        throw new CallbackRefusedError('no WEBHOOK_SECRET on this worker: callbacks cannot be signed');
      const url = new URL(input.url);
      try {
        await resolveDestinationHost(
          url.hostname.replace(/^\[|\]$/g, ''),
          deps.config.allowPrivateDestinations,
        );
      } catch (err) {
        if (err instanceof DestinationNotFoundError) throw new CallbackRefusedError(err.message);
        throw err;
      }
      const body = JSON.stringify({ type: input.type, timestamp: new Date().toISOString(), data: input.job });
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: webhookHeaders(webhookKey(secret), input.id, body),
          body,
          redirect: 'manual',
          signal: AbortSignal.any([ctx.cancellationSignal, AbortSignal.timeout(15_000)]),
        });
        await response.arrayBuffer().catch(() => undefined);
      } catch (err) {
        throw new CallbackNotAcceptedError(
          `callback to ${url.origin} failed: ${err instanceof Error ? err.message : String(err)}; will retry`,
        );
      }
      if (response.status < 200 || response.status > 299)
        throw new CallbackNotAcceptedError(
          `callback to ${url.origin} answered HTTP ${response.status}; will retry`,
        );
      ctx.log.info('job callback delivered', { jobID: input.job.jobID, status: response.status });
      return { status: response.status, attempts: ctx.info.attempt };
    },
  };
}
