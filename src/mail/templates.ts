import type { JobView } from '../jobs/types';

export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

export function humanBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/**
 * The job-ended email. It is built from the public job view only (destinations without
 * credentials), so no secret can reach it.
 */
export function renderJobEmail(job: JobView): RenderedEmail {
  const done = job.status === 'Done';
  const subject = done ? `Contact export "${job.jobName}" is done` : `Contact export "${job.jobName}" failed`;
  const lines: [string, string][] = [
    ['Export', job.jobName],
    ['Job ID', job.jobID],
    ['Status', job.status],
    ['Started', job.times.start],
    ['Ended', job.times.end ?? ''],
  ];
  if (done && job.file) {
    lines.push(
      ['Contacts', job.file.rows.toLocaleString('en-US')],
      ['File', `${job.file.name} (${humanBytes(job.file.bytes)})`],
    );
    if (job.file.location)
      lines.push([job.destination.type === 'aws' ? 'Download' : 'Delivered to', job.file.location]);
    if (job.expiresAt) lines.push(['Available until', job.expiresAt]);
  }
  if (!done && job.error) lines.push(['Reason', job.error.message]);
  const intro = done ? 'Your contact export has finished.' : 'Your contact export did not finish.';
  const text = `${intro}\n\n${lines.map(([k, v]) => `${k}: ${v}`).join('\n')}\n`;
  const rows = lines
    .map(([k, v]) => {
      const value = /^https?:\/\//.test(v)
        ? `<a href="${escapeHtml(v)}">${escapeHtml(v)}</a>`
        : escapeHtml(v);
      return `<tr><th align="left" style="padding:4px 12px 4px 0">${escapeHtml(k)}</th><td>${value}</td></tr>`;
    })
    .join('');
  const html = `<!doctype html><html><body style="font-family:sans-serif"><p>${escapeHtml(intro)}</p><table>${rows}</table></body></html>`;
  return { subject, text, html };
}
