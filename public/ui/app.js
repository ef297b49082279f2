'use strict';
/*
 * The Jobs page: a tiny client of the public API (GET /jobs, GET/DELETE /jobs/{id},
 * POST /contactexports, GET /jobs/{id}/download, /exportschedules). The API key lives in sessionStorage and goes
 * out as HTTP Basic auth. Every value reaches the page through textContent, never as HTML.
 */
(() => {
  const KEY = 'contact-exports-api-key';
  const $ = (id) => document.getElementById(id);
  let timer = null;
  /** Paging: the path of each page visited (page 1 first); links.next leads to the next one. */
  let pages = [];
  let nextLink = null;

  const apiKey = () => sessionStorage.getItem(KEY);
  // X-Requested-With: the gateway then answers 401 without a Basic challenge (no browser login prompt).
  const authHeader = () => ({
    authorization: 'Basic ' + btoa(apiKey() + ':'),
    'x-requested-with': 'contact-exports-ui',
  });

  async function api(method, path, body) {
    const headers = authHeader();
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status === 401) {
      sessionStorage.removeItem(KEY);
      route();
      throw new Error('unauthorized');
    }
    const data = res.headers.get('content-type')?.includes('json') ? await res.json() : null;
    if (!res.ok)
      throw Object.assign(new Error(data?.error?.message ?? res.statusText), {
        body: data,
        status: res.status,
      });
    return data;
  }

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const child of children) node.append(child);
    return node;
  }

  const fmtTime = (iso) => (iso ? new Date(iso).toLocaleString() : '');
  const running = (job) => job.status === 'Pending' || job.status === 'Processing';
  const stored = (job) =>
    job.status === 'Done' &&
    job.destination.type === 'aws' &&
    (!job.expiresAt || Date.parse(job.expiresAt) > Date.now());
  const downloadable = (job) => stored(job) && job.file;
  // A split job (maxRowsPerFile / maxFileSizeMB): its files and manifest download one by one.
  const splitDownloads = (job) => stored(job) && job.manifest;
  // The destination's public fields as its module shows them; masked IDs ("****abcd") left out.
  const where = (d) =>
    [
      d.type,
      ...Object.keys(d)
        .filter((k) => k !== 'type' && !String(d[k]).startsWith('****'))
        .map((k) => d[k]),
    ]
      .filter((v) => v !== '' && v !== undefined)
      .join(' ');

  /** The format list comes from the gateway's registry of formats (GET /ui/export-formats.json). */
  async function loadFormats() {
    const res = await fetch('/ui/export-formats.json');
    if (!res.ok) return;
    const select = document.querySelector('#new-form select[name=exportType]');
    select.replaceChildren(
      ...(await res.json()).formats.map((f) =>
        el('option', { value: f.exportType, text: f.label, title: f.description }),
      ),
    );
  }

  function flash(message) {
    const node = $('flash');
    node.textContent = message;
    node.hidden = false;
    setTimeout(() => (node.hidden = true), 4000);
  }

  /** Waiting for a place on its worker host: say where it stands in line. */
  function queuedText(job) {
    return job.queuePosition ? `queued, #${job.queuePosition} in line` : 'queued';
  }

  function progressBar(job, large) {
    const bar = el('div', { class: `bar ${job.status}` });
    const label = el('span');
    if (job.percent === null && running(job)) bar.classList.add('indeterminate');
    else bar.style.width = `${job.percent ?? 0}%`;
    // An ended job that did not finish says so; its bar shows how far it got, in grey.
    const stopped = job.status === 'Failed' || job.status === 'Cancelled';
    label.textContent = stopped
      ? `${job.status.toLowerCase()}${job.percent === null ? '' : ` at ${job.percent}%`}`
      : job.phase === 'queued' && running(job)
        ? queuedText(job)
        : job.percent === null
          ? running(job)
            ? job.phase
            : ''
          : `${job.percent}%`;
    const box = el(
      'div',
      {
        class: large ? 'progress large' : 'progress',
        role: 'progressbar',
        'aria-valuenow': String(job.percent ?? 0),
        'aria-valuemin': '0',
        'aria-valuemax': '100',
        'data-job': job.jobID,
      },
      bar,
      label,
    );
    return box;
  }

  async function download(job, name = job.file.name, path = `/jobs/${job.jobID}/download`) {
    // With an object store behind the gateway, the answer is a short-lived link to the file there.
    const res = await fetch(path, {
      headers: { ...authHeader(), accept: 'application/json, */*;q=0.1' },
    });
    if (!res.ok) {
      const data = await res.json().catch(() => null);
      flash(data?.error?.message ?? `download failed (${res.status})`);
      return;
    }
    if (res.headers.get('x-download-link') === 'presigned') {
      location.href = (await res.json()).url;
      return;
    }
    const url = URL.createObjectURL(await res.blob());
    const a = el('a', { href: url, download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  async function cancel(job) {
    if (!confirm(`Cancel "${job.jobName}"?`)) return;
    try {
      await api('DELETE', `/jobs/${job.jobID}`);
      flash('Cancellation requested');
      route();
    } catch (err) {
      flash(err.message);
    }
  }

  function actions(job) {
    const cell = el('td', { class: 'actions' });
    if (downloadable(job))
      cell.append(
        el('button', { type: 'button', class: 'download', text: 'Download', onclick: () => download(job) }),
      );
    if (splitDownloads(job))
      cell.append(el('a', { href: `#/jobs/${job.jobID}`, class: 'button', text: 'Files' }));
    if (running(job))
      cell.append(
        el('button', { type: 'button', class: 'danger cancel', text: 'Cancel', onclick: () => cancel(job) }),
      );
    return cell;
  }

  function row(job) {
    const rows =
      job.totalItems === null ? `${job.completedItems}` : `${job.completedItems} / ${job.totalItems}`;
    return el(
      'tr',
      { 'data-job': job.jobID, 'data-status': job.status },
      el('td', {}, el('a', { href: `#/jobs/${job.jobID}`, text: job.jobName })),
      el('td', {}, el('code', { text: job.jobID.slice(0, 8) })),
      el('td', {}, el('span', { class: `status ${job.status}`, text: job.status })),
      el('td', {}, progressBar(job, false)),
      el('td', { text: rows }),
      el('td', { text: fmtTime(job.times.start) }),
      el('td', { text: fmtTime(job.times.end) }),
      el('td', { text: where(job.destination) }),
      actions(job),
    );
  }

  function schedule(fast) {
    clearTimeout(timer);
    $('refresh-state').textContent = fast ? 'refreshing every 1.5 s while jobs run' : '';
    timer = setTimeout(route, fast ? 1500 : 15000);
  }

  /** The list's first page for the filters shown (status, page size, schedule). */
  function firstPage() {
    const params = new URLSearchParams({ limit: $('page-size').value });
    const status = $('filter-status').value;
    if (status) params.set('status', status);
    const scheduleID = new URLSearchParams(location.hash.split('?')[1] ?? '').get('schedule');
    $('schedule-filter').hidden = !scheduleID;
    if (scheduleID) {
      params.set('scheduleID', scheduleID);
      $('schedule-filter-id').textContent = scheduleID.slice(0, 8);
    }
    return `/jobs?${params}`;
  }

  /** Shows the current page again (refresh), or page 1 of new filters, or the next/previous one. */
  async function showJobs(move) {
    const first = firstPage();
    if (pages[0] !== first) pages = [first];
    if (move === 'older' && nextLink) pages.push(nextLink);
    if (move === 'newer' && pages.length > 1) pages.pop();
    const page = await api('GET', pages[pages.length - 1]);
    const tbody = $('jobs-table').querySelector('tbody');
    tbody.replaceChildren(...page.jobs.map(row));
    nextLink = page.links.next;
    const size = Number($('page-size').value);
    const from = (pages.length - 1) * size;
    $('page-older').disabled = !nextLink;
    $('page-newer').disabled = pages.length < 2;
    $('page-state').textContent = page.jobs.length
      ? `Page ${pages.length} · jobs ${from + 1}–${from + page.jobs.length}`
      : '';
    $('jobs-empty').hidden = page.jobs.length > 0 || pages.length > 1;
    schedule(page.jobs.some(running));
  }

  const timingText = (s) =>
    s.cron !== null
      ? `cron ${s.cron}${s.timezone === 'UTC' ? ' UTC' : ` (${s.timezone})`}`
      : `every ${s.every}`;

  async function scheduleAction(s, action) {
    try {
      if (action === 'delete') {
        if (!confirm(`Delete schedule "${s.name}"? Its running job goes on; no more runs start.`)) return;
        await api('DELETE', `/exportschedules/${s.scheduleID}`);
        flash(`Deleted ${s.name}`);
      } else {
        await api('POST', `/exportschedules/${s.scheduleID}/${action}`);
        flash(action === 'trigger' ? `${s.name}: a run starts now` : `${s.name}: ${action}d`);
      }
      route();
    } catch (err) {
      flash(err.message);
    }
  }

  function scheduleRow(s) {
    const last = s.recentJobs[0];
    const button = (text, action, cls = '') =>
      el('button', {
        type: 'button',
        class: `${action} ${cls}`,
        text,
        onclick: () => scheduleAction(s, action),
      });
    return el(
      'tr',
      { 'data-schedule': s.scheduleID, 'data-paused': String(s.paused) },
      el('td', {}, el('a', { href: `#/?schedule=${s.scheduleID}`, text: s.name, title: 'Its jobs' })),
      el('td', { text: timingText(s) }),
      el(
        'td',
        { class: 'next-runs', title: s.nextRuns.map(fmtTime).join('\n') },
        ...(s.paused ? ['(paused)'] : s.nextRuns.slice(0, 2).map((t) => el('div', { text: fmtTime(t) }))),
      ),
      el(
        'td',
        {},
        last
          ? el(
              'a',
              { href: `#/jobs/${last.jobID}` },
              el('span', { class: `status ${last.status}`, text: last.status }),
              ` ${fmtTime(last.startedAt)}`,
            )
          : '',
      ),
      el('td', {
        text: s.incremental ? `since ${s.watermark ? fmtTime(s.watermark) : 'the beginning'}` : 'no',
      }),
      el('td', { text: s.paused ? 'paused' : 'active' }),
      el('td', { text: where(s.export.destination ?? { type: 'aws' }) }),
      el(
        'td',
        { class: 'actions' },
        button('Run now', 'trigger'),
        s.paused ? button('Unpause', 'unpause') : button('Pause', 'pause'),
        button('Delete', 'delete', 'danger'),
      ),
    );
  }

  async function showSchedules() {
    // Every page, 100 at a time (each schedule costs the gateway two Temporal calls).
    const schedules = [];
    for (let next = '/exportschedules?limit=100'; next;) {
      const page = await api('GET', next);
      schedules.push(...page.schedules);
      next = page.links.next;
    }
    $('schedules-table')
      .querySelector('tbody')
      .replaceChildren(...schedules.map(scheduleRow));
    $('schedules-empty').hidden = schedules.length > 0;
    schedule(schedules.some((s) => s.recentJobs[0] && running(s.recentJobs[0])));
  }

  async function submitSchedule(event) {
    event.preventDefault();
    const form = event.target;
    const data = new FormData(form);
    const errors = $('schedule-errors');
    errors.hidden = true;
    try {
      const body = { name: data.get('name'), incremental: data.get('incremental') === 'on' };
      for (const key of ['cron', 'every', 'timezone'])
        if (String(data.get(key)).trim()) body[key] = data.get(key).trim();
      body.export = JSON.parse(data.get('export'));
      await api('POST', '/exportschedules', body);
      form.reset();
      $('new-schedule').open = false;
      route();
    } catch (err) {
      const details = err.body?.error?.details ?? [];
      errors.replaceChildren(
        el('strong', {
          text: err instanceof SyntaxError ? `Export is not valid JSON: ${err.message}` : err.message,
        }),
        el('ul', {}, ...details.map((d) => el('li', { text: `${d.path}: ${d.message}` }))),
      );
      errors.hidden = false;
    }
  }

  async function showJob(jobID) {
    const job = await api('GET', `/jobs/${encodeURIComponent(jobID)}`);
    $('job-title').textContent = `${job.jobName} · ${job.status}`;
    placeJobBar(progressBar(job, true));
    const fields = [
      ['Job ID', job.jobID],
      [
        'Status',
        running(job) ? `${job.status} (${job.phase === 'queued' ? queuedText(job) : job.phase})` : job.status,
      ],
      [
        'Contacts',
        job.totalItems === null ? `${job.completedItems}` : `${job.completedItems} of ${job.totalItems}`,
      ],
      ['Bytes', String(job.bytes)],
      ['Type', `${job.exportType}${job.compress ? ' + gzip' : ''}`],
      ['Destination', JSON.stringify(job.destination)],
      ['Started', fmtTime(job.times.start)],
      ['Ended', fmtTime(job.times.end)],
      ['File', job.file ? `${job.file.name}, ${job.file.rows} rows, ${job.file.bytes} bytes` : ''],
      ['Location', job.file?.location ?? ''],
      [
        'Files',
        job.files
          ? `${job.files.length} files, ${job.files.reduce((n, f) => n + f.rows, 0)} rows; manifest ${job.manifest?.name ?? ''}`
          : '',
      ],
      ['Expires', fmtTime(job.expiresAt)],
      ['Error', job.error ? `${job.error.code}: ${job.error.message}` : ''],
      ['Email', job.notification ? `${job.notification.email}: ${job.notification.status}` : ''],
      [
        'Callback',
        job.callback
          ? `${job.callback.url}: ${job.callback.status}${job.callback.attempts ? ` after ${job.callback.attempts} attempt(s)` : ''}${job.callback.detail ? ` (${job.callback.detail})` : ''}`
          : '',
      ],
    ];
    $('job-fields').replaceChildren(
      ...fields.filter(([, v]) => v).flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })]),
    );
    $('job-files').replaceChildren(...(job.files ? [filesTable(job)] : []));
    const acts = $('job-actions');
    acts.replaceChildren();
    if (downloadable(job))
      acts.append(
        el('button', {
          type: 'button',
          class: 'download',
          text: `Download ${job.file.name}`,
          onclick: () => download(job),
        }),
      );
    if (running(job))
      acts.append(
        el('button', {
          type: 'button',
          class: 'danger cancel',
          text: 'Cancel job',
          onclick: () => cancel(job),
        }),
      );
    acts.append(el('a', { href: '#/', class: 'button', text: 'All jobs' }));
    schedule(running(job));
  }

  /** A split job's files in order, then its manifest, each with its size and sha256. */
  function filesTable(job) {
    const fileLink = (name) => `/jobs/${job.jobID}/files/${encodeURIComponent(name)}`;
    const button = (name) =>
      splitDownloads(job)
        ? el('button', {
            type: 'button',
            class: 'download',
            text: 'Download',
            onclick: () => download(job, name, fileLink(name)),
          })
        : el('span', { text: job.destination.type === 'aws' ? '' : 'at the destination' });
    const row = (cells, name) =>
      el('tr', {}, ...cells.map((c) => el('td', { text: c })), el('td', {}, button(name)));
    return el(
      'table',
      { class: 'files' },
      el(
        'thead',
        {},
        el('tr', {}, ...['File', 'Rows', 'Bytes', 'SHA-256', ''].map((h) => el('th', { text: h }))),
      ),
      el(
        'tbody',
        {},
        ...job.files.map((f) =>
          row([f.name, String(f.rows), String(f.bytes), f.sha256.slice(0, 16)], f.name),
        ),
        ...(job.manifest ? [row([job.manifest.name, '', '', 'lists every file'], job.manifest.name)] : []),
      ),
    );
  }

  function splitList(value) {
    return value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }

  async function submitExport(event) {
    event.preventDefault();
    const form = event.target;
    const data = new FormData(form);
    const body = {
      exportType: data.get('exportType'),
      showHeader: data.get('showHeader') === 'on',
      compress: data.get('compress') === 'on',
    };
    if (data.get('name')) body.name = data.get('name');
    if (data.get('fields')) body.fields = splitList(data.get('fields'));
    if (data.get('lists'))
      body.lists = splitList(data.get('lists')).map((l) => (/^\d+$/.test(l) ? Number(l) : l));
    if (data.get('audienceKey')) body['audience-key'] = data.get('audienceKey');
    if (data.get('confirmEmail')) body.confirmEmail = data.get('confirmEmail');
    // Split into numbered files plus a manifest (each file then downloads from the job's page).
    for (const limit of ['maxRowsPerFile', 'maxFileSizeMB'])
      if (data.get(limit)) body[limit] = Number(data.get(limit));
    const errors = $('new-errors');
    errors.hidden = true;
    try {
      if (String(data.get('destination')).trim()) body.destination = JSON.parse(data.get('destination'));
      const created = await api('POST', '/contactexports', body);
      form.reset();
      location.hash = `#/jobs/${created.jobID}`;
    } catch (err) {
      const details = err.body?.error?.details ?? [];
      errors.replaceChildren(
        el('strong', {
          text: err instanceof SyntaxError ? `Destination is not valid JSON: ${err.message}` : err.message,
        }),
        el('ul', {}, ...details.map((d) => el('li', { text: `${d.path}: ${d.message}` }))),
      );
      errors.hidden = false;
    }
  }

  function placeJobBar(bar) {
    $('job-bar').parentElement.replaceWith(bar);
    bar.querySelector('.bar').id = 'job-bar';
  }

  function clearJobView(jobID) {
    $('job-view').dataset.job = jobID;
    $('job-title').textContent = 'Loading…';
    placeJobBar(progressBar({ jobID, status: 'Loading', percent: 0, phase: null }, true));
    for (const id of ['job-fields', 'job-files', 'job-actions']) $(id).replaceChildren();
  }

  function show(id) {
    for (const section of ['sign-in', 'jobs-view', 'schedules-view', 'job-view', 'new-view'])
      $(section).hidden = section !== id;
    $('session').hidden = id === 'sign-in';
  }

  async function route() {
    clearTimeout(timer);
    if (!apiKey()) return show('sign-in');
    const hash = location.hash || '#/';
    try {
      if (hash.startsWith('#/jobs/')) {
        const jobID = hash.slice('#/jobs/'.length);
        // Another job's page must not show through while this one loads (its title said Done).
        if ($('job-view').dataset.job !== jobID) clearJobView(jobID);
        show('job-view');
        await showJob(jobID);
      } else if (hash === '#/new') {
        show('new-view');
      } else if (hash === '#/schedules') {
        show('schedules-view');
        await showSchedules();
      } else {
        show('jobs-view');
        await showJobs();
      }
    } catch (err) {
      if (err.message !== 'unauthorized') {
        flash(err.message);
        schedule(false);
      }
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('sign-in-form').addEventListener('submit', (event) => {
      event.preventDefault();
      sessionStorage.setItem(KEY, $('api-key').value.trim());
      route();
    });
    $('sign-out').addEventListener('click', () => {
      sessionStorage.removeItem(KEY);
      route();
    });
    $('filter-status').addEventListener('change', () => route());
    $('page-size').addEventListener('change', () => route());
    $('page-older').addEventListener('click', () => showJobs('older').catch((err) => flash(err.message)));
    $('page-newer').addEventListener('click', () => showJobs('newer').catch((err) => flash(err.message)));
    $('schedule-form').addEventListener('submit', submitSchedule);
    $('new-form').addEventListener('submit', submitExport);
    window.addEventListener('hashchange', route);
    loadFormats().catch((err) => flash(err.message));
    route();
  });
})();
