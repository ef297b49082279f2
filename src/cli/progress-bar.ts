/** A one-line progress bar on stderr (redrawn in place on a terminal, a line per 10% otherwise). */
export function progressBar(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): (done: number, total: number | null) => void {
  let lastDecile = -1;
  const started = Date.now();
  return (done, total) => {
    const fraction = total ? Math.min(1, done / total) : 0;
    const rate = Math.round(done / Math.max(0.001, (Date.now() - started) / 1000));
    const text = total
      ? `${label} [${'#'.repeat(Math.round(fraction * 30)).padEnd(30, '.')}] ${Math.floor(fraction * 100)}% ${done}/${total} (${rate}/s)`
      : `${label} ${done} (${rate}/s)`;
    if (stream.isTTY) {
      stream.write(`\r${text}${done === total ? '\n' : ''}`);
    } else {
      const decile = Math.floor(fraction * 10);
      if (decile !== lastDecile || done === total) {
        lastDecile = decile;
        stream.write(`${text}\n`);
      }
    }
  };
}
