/**
 * The Temporal SDK internals this project uses, in one place. Each is a `lib/` module of the SDK,
 * not its public API, so an SDK upgrade may move it: this file is what to check then.
 *
 * - `executionInfoFromRaw` turns a raw `listWorkflowExecutions` row into a WorkflowExecutionInfo
 *   (memo and search attributes decoded through the data converter). GET /jobs needs the raw call
 *   for its page token, which `client.workflow.list()` does not expose.
 * - `decodeOptionalFailureToOptionalError` decodes a pending activity's last failure (its message
 *   is encrypted with the payloads), for the tests that wait for a failed delivery attempt.
 */
export { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
export { decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow';
