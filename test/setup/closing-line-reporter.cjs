// Prints one plain closing line after Jest's own summary: "jest: N passed, N failed, N skipped".
// CI reads the last lines of a run to know that tests ran; Jest's "Tests: 333 passed, 333 total"
// is not a form it reads, and the Schemathesis report printed mid-run looks like another runner's.
class ClosingLineReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stderr.write(
      `\njest: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`,
    );
  }
}
module.exports = ClosingLineReporter;
