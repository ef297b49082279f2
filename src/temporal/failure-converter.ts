import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Failure messages and stack traces move into an encoded payload, so the codec encrypts them too
 * (an error may quote what it failed on). Loaded by path in the workflow isolate and by the client.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
