import { Context } from '@temporalio/activity';
import type { Destination } from '../src/destinations';
import { contentTypeOfFile } from '../src/export/formats';
import type { ActivityDeps } from './deps';
import { startWork, type WorkProgress } from './progress';

export interface DeliverFileInput {
  readonly jobID: string;
  readonly owner: string;
  readonly stagingPath: string;
  readonly fileName: string;
  readonly bytes: number;
  readonly destination: Destination;
  /** Unused since progress travels in heartbeats; kept in the input for recorded histories. */
  readonly progressIntervalMs?: number;
  readonly heartbeatTimeoutMs: number;
}

export interface DeliveredFile {
  readonly location: string;
  readonly expiresAt: string | null;
}

export function createDeliverActivities(deps: ActivityDeps) {
  return {
    /** Uploads the finished staging file to its destination, atomically, reporting bytes sent. */
    async deliverFile(input: DeliverFileInput): Promise<DeliveredFile> {
      const ctx = Context.current();
      const adapter = deps.destinations[input.destination.type];
      const work = await startWork<WorkProgress & { bytesSent: number }>(
        ctx,
        deps.lines.uploads,
        { bytesSent: 0 },
        'uploading',
        input.heartbeatTimeoutMs,
      );
      const started = Date.now();
      try {
        const result = await adapter.upload(input.destination, {
          jobID: input.jobID,
          owner: input.owner,
          localPath: input.stagingPath,
          fileName: input.fileName,
          contentType: contentTypeOfFile(input.fileName),
          bytes: input.bytes,
          signal: ctx.cancellationSignal,
          onProgress: (bytesSent) => work.update({ bytesSent }),
        });
        deps.metrics.uploadDuration.observe(
          { destination: input.destination.type },
          (Date.now() - started) / 1000,
        );
        ctx.log.info('file delivered', {
          jobID: input.jobID,
          type: input.destination.type,
          location: result.location,
        });
        return { location: result.location, expiresAt: result.expiresAt ?? null };
      } finally {
        work.end();
      }
    },
  };
}
