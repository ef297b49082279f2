// Prints one plain closing line after everything Jest prints: "jest: N passed, N failed, N skipped".
// CI reads the last lines of a run to know that tests ran; Jest's "Tests: 333 passed, 333 total"
// is not a form it reads. Jest prints its own summary after every reporter's onRunComplete, so the
// line waits for the process to exit.
class ClosingLineReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped`;
    process.once('exit', () => process.stderr.write(`\n${line}\n`));
  }
}
module.exports = ClosingLineReporter;
