import { createCallTracker } from '../../src/temporal/call-tracker';
import { connectClient } from '../../src/temporal/connect';
import { testConfig, uniqueId } from '../helpers/servers';

describe('Temporal call tracker (the gateway drains calls before closing its connection)', () => {
  it('counts a call from start to final status', async () => {
    const tracker = createCallTracker();
    const client = await connectClient(testConfig(), 30_000, tracker);
    try {
      const baseline = tracker.pending();
      const call = client.workflowService.getSystemInfo({});
      expect(tracker.pending()).toBe(baseline + 1);
      await call;
      expect(tracker.pending()).toBe(baseline);
      await expect(tracker.idle(1_000)).resolves.toBe(true);
      // With a quiet spell: not before 300 ms have passed since the last call started.
      const started = Date.now();
      await client.workflowService.getSystemInfo({});
      await expect(tracker.idle(5_000, 300)).resolves.toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      await client.workflowService.getSystemInfo({});
      await expect(tracker.idle(100, 300)).resolves.toBe(false);
    } finally {
      await client.connection.close();
    }
  });

  it('reports a call in flight until its final status, so closing can wait for it', async () => {
    const tracker = createCallTracker();
    const config = testConfig();
    const client = await connectClient(config, 30_000, tracker);
    try {
      // A long poll on a queue nobody serves stays open until its 5 s deadline.
      const poll = client.connection
        .withDeadline(Date.now() + 5_000, () =>
          client.workflowService.pollWorkflowTaskQueue({
            namespace: config.temporal.namespace,
            taskQueue: { name: uniqueId('empty-queue') },
            identity: 'call-tracker-test',
          }),
        )
        .catch((err: unknown) => err);
      expect(tracker.pending()).toBe(1);
      await expect(tracker.idle(300)).resolves.toBe(false);
      expect(tracker.pending()).toBe(1);
      await expect(tracker.idle(15_000)).resolves.toBe(true);
      await poll;
      expect(tracker.pending()).toBe(0);
    } finally {
      // Closing only now: closing with the poll still open makes the SDK's retry timer throw
      // "Channel has been shut down" outside any promise (what the gateway's stop() avoids).
      await client.connection.close();
    }
  });
});
