import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { failureConverterPath } from '../src/temporal/connect';

/**
 * Prebuilds the workflow bundle (dist/workflow-bundle.js) so workers start in a second instead of
 * bundling with webpack at every start (Temporal's production recommendation).
 */
async function main(): Promise<void> {
  const started = Date.now();
  const workflowsPath = require.resolve('../workflows');
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    failureConverterPath,
    logger: new DefaultLogger('WARN'),
  });
  const target = path.resolve(__dirname, '..', 'workflow-bundle.js');
  writeFileSync(target, code);
  console.log(
    `workflow bundle: ${path.relative(process.cwd(), target)} (${Math.round(code.length / 1024)} KB, ${Date.now() - started} ms)`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
