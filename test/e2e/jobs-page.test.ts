import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page, type Route } from 'playwright-core';
import { findTool } from '../../src/devstack/binaries';
import { seedStore } from '../../src/seed/seed-store';
import { waitForJob } from '../helpers/jobs';
import { TEST_API_KEY, testConfig } from '../helpers/servers';
import { startTestStack, type TestStack } from '../helpers/stack';
import { outputDir } from '../setup/servers-file';

const CONTACTS = 60_000;
const screenshots = path.join(outputDir, 'screenshots');

/** Chromium flags for a machine without network: no background traffic, no sandbox as root. */
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

describe('the Jobs page (headless Chromium)', () => {
  let stack: TestStack;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    stack = await startTestStack({
      config: testConfig({
        EXPORT_BATCH_SIZE: '500',
        PROGRESS_INTERVAL: '100ms',
        WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
      }),
    });
    await seedStore(stack.db, { contacts: CONTACTS, batchSize: 5000 });
    browser = await chromium.launch({
      executablePath: findTool('chromium'),
      headless: true,
      args: chromiumArgs,
    });
    const context = await browser.newContext({
      acceptDownloads: true,
      viewport: { width: 1400, height: 800 },
    });
    page = await context.newPage();
    mkdirSync(screenshots, { recursive: true });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('when a user signs in and submits an export, then the bar climbs to 100% and the file downloads', async () => {
    await page.goto(`${stack.url}/ui/`);
    await page.fill('#api-key', TEST_API_KEY);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector('#jobs-view:not([hidden])');

    await page.click('#new-export');
    // The format list is the gateway's registry of formats.
    const formats = page.locator('#new-form select[name=exportType] option');
    await formats.nth(2).waitFor({ state: 'attached' });
    expect(await formats.evaluateAll((options) => options.map((o) => o.getAttribute('value')))).toEqual([
      'csv',
      'json',
      'ndjson',
    ]);
    await page.fill('#new-form input[name=name]', 'from-the-page');
    await page.fill('#new-form input[name=fields]', 'channels.email.address, first_name');
    await page.click('#new-form button[type=submit]');
    await page.waitForSelector('#job-view:not([hidden])');

    // Watch the bar: it must pass through values between 0 and 100, then reach 100.
    const seen = new Set<number>();
    for (const deadline = Date.now() + 120_000; Date.now() < deadline;) {
      const value = Number(await page.getAttribute('#job-view [role=progressbar]', 'aria-valuenow'));
      seen.add(value);
      if (value === 100) break;
      await page.waitForTimeout(100);
    }
    expect(seen.has(100)).toBe(true);
    expect([...seen].some((v) => v > 0 && v < 100)).toBe(true);
    await page.waitForSelector('#job-title:has-text("from-the-page · Done")');
    await page.screenshot({ path: path.join(screenshots, 'job-detail.png') });

    await page.click('#job-actions a[href="#/"]');
    const row = page.locator('tr', { has: page.locator('a', { hasText: 'from-the-page' }) });
    await row.locator('.status.Done').waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row.locator('button.download').click(),
    ]);
    expect(download.suggestedFilename()).toBe('from-the-page.csv');
    const saved = path.join(screenshots, 'downloaded.csv');
    await download.saveAs(saved);
    const lines = readFileSync(saved, 'utf8').trim().split('\n');
    // The form's "Header row" box is ticked by default.
    expect(lines[0]).toBe('channels.email.address,first_name');
    expect(lines).toHaveLength(CONTACTS + 1);
    await page.screenshot({ path: path.join(screenshots, 'jobs-page.png') });
  }, 240_000);

  it('when a user asks for files of 25,000 rows, then the job page lists the 3 files and the manifest, each downloadable', async () => {
    await page.goto(`${stack.url}/ui/#/`);
    await page.waitForSelector('#jobs-view:not([hidden])');
    await page.click('#new-export');
    await page.fill('#new-form input[name=name]', 'page-split');
    await page.fill('#new-form input[name=fields]', 'channels.email.address');
    await page.fill('#new-form input[name=maxRowsPerFile]', '25000');
    // Hold the new job's first view back a second: the first test's job page (Done, 100%) must not
    // show through while this one loads (under load, a wait for "Done" once matched the old title).
    const slowJob = async (route: Route): Promise<void> => {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await route.continue();
    };
    await page.route((url) => /^\/jobs\/[^/]+$/.test(url.pathname), slowJob, { times: 1 });
    await page.click('#new-form button[type=submit]');
    await page.waitForSelector('#job-view:not([hidden])');
    expect(await page.textContent('#job-title')).toBe('Loading…');
    expect(await page.getAttribute('#job-view [role=progressbar]', 'aria-valuenow')).toBe('0');
    expect(await page.locator('#job-files tr').count()).toBe(0);
    await page.waitForSelector('#job-title:has-text("page-split · Done")', { timeout: 120_000 });
    const rows = page.locator('#job-files table.files tbody tr');
    await rows.nth(3).waitFor();
    expect(await rows.locator('td:first-child').allTextContents()).toEqual([
      'page-split-part-00001.csv',
      'page-split-part-00002.csv',
      'page-split-part-00003.csv',
      'page-split.manifest.json',
    ]);
    await page.screenshot({ path: path.join(screenshots, 'job-files.png') });
    const save = async (row: number): Promise<string> => {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        rows.nth(row).locator('button.download').click(),
      ]);
      const saved = path.join(screenshots, download.suggestedFilename());
      await download.saveAs(saved);
      return saved;
    };
    const second = await save(1);
    expect(path.basename(second)).toBe('page-split-part-00002.csv');
    const lines = readFileSync(second, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('channels.email.address');
    expect(lines).toHaveLength(25_001);
    const manifest = JSON.parse(readFileSync(await save(3), 'utf8')) as {
      totals: { files: number; rows: number };
    };
    expect(manifest.totals).toMatchObject({ files: 3, rows: CONTACTS });
  }, 240_000);

  it("when a job had a callbackUrl, then its page shows the callback's outcome next to the email's", async () => {
    const hits: string[] = [];
    const receiver = createServer((req, res) => {
      hits.push(req.url ?? '');
      req.resume();
      req.on('end', () => res.end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks?token=secret-token`;
      const created = await stack.request<{ jobID: string }>('POST', '/contactexports', {
        exportType: 'csv',
        fields: ['channels.email.address'],
        callbackUrl: url,
      });
      await waitForJob(stack, created.body.jobID, (j) => j.callback?.status === 'delivered', 60_000);
      await page.goto(`${stack.url}/ui/#/jobs/${created.body.jobID}`);
      const callback = page.locator('#job-fields dt:has-text("Callback") + dd');
      await callback.waitFor();
      expect(await callback.textContent()).toBe(
        `${url.split('?')[0]}: delivered after 1 attempt(s) (HTTP 200)`,
      );
      expect(await page.locator('#job-fields').textContent()).not.toContain('secret-token');
      expect(hits).toEqual(['/hooks?token=secret-token']);
    } finally {
      receiver.close();
    }
  });

  it('when a user cancels a running job from the table, then it shows Cancelled', async () => {
    const created = await stack.request<{ jobID: string }>('POST', '/contactexports', {
      exportType: 'json',
      name: 'to-cancel',
    });
    await page.goto(`${stack.url}/ui/#/`);
    await page.reload();
    const row = page.locator(`tr[data-job="${created.body.jobID}"]`);
    await row.locator('button.cancel').waitFor({ timeout: 30_000 });
    page.once('dialog', (dialog) => void dialog.accept());
    await row.locator('button.cancel').click();
    const cancelled = page.locator(`tr[data-job="${created.body.jobID}"][data-status="Cancelled"]`);
    await cancelled.waitFor({ timeout: 60_000 });
    // A stopped job says so on its bar, instead of a full red "100%".
    expect(await cancelled.locator('[role=progressbar] span').textContent()).toMatch(
      /^cancelled( at \d+%)?$/,
    );
    await page.screenshot({ path: path.join(screenshots, 'jobs-page.png') });
    // On a phone-wide window the table scrolls sideways inside the page; no column is cut off.
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 800 });
      // A string: the tests compile without the DOM's types.
      const fits = await page.evaluate(`(() => {
        const scroller = document.querySelector('.table-scroll');
        const last = document.querySelector('#jobs-table thead th:last-child');
        return {
          pageOverflows: document.documentElement.scrollWidth > window.innerWidth,
          lastColumnReachable:
            last.getBoundingClientRect().right - scroller.getBoundingClientRect().left <= scroller.scrollWidth + 1,
        };
      })()`);
      expect(fits).toEqual({ pageOverflows: false, lastColumnReachable: true });
      await page.screenshot({ path: path.join(screenshots, `jobs-page-${width}.png`) });
    }
    await page.setViewportSize({ width: 1400, height: 800 });
  }, 120_000);

  it('when there are more jobs than a page holds, then the table pages with Older and Newer and a refresh keeps the page', async () => {
    // Nine more jobs on top of the two above make two pages of 10. Each is cancelled at once: a
    // job's place in the list does not depend on its outcome, and a cancelled one costs no export.
    for (let i = 0; i < 9; i++) {
      const res = await stack.request<{ jobID: string }>('POST', '/contactexports', {
        exportType: 'csv',
        name: `paged-${i}`,
      });
      expect(res.status).toBe(202);
      expect((await stack.request('DELETE', `/jobs/${res.body.jobID}`)).status).toBe(202);
      await waitForJob(stack, res.body.jobID);
    }
    const all = await stack.request<{ jobs: { jobID: string; status: string }[] }>('GET', '/jobs?limit=100');
    const total = all.body.jobs.length;
    expect(total).toBeGreaterThanOrEqual(11);
    await page.goto(`${stack.url}/ui/#/`);
    await page.reload();
    await page.selectOption('#page-size', '10');
    await page.locator('#page-state', { hasText: 'Page 1 · jobs 1–10' }).waitFor();
    expect(await page.locator('#jobs-table tbody tr').count()).toBe(10);
    const firstPage = await page
      .locator('#jobs-table tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-job')));
    await page.click('#page-older');
    await page.locator('#page-state', { hasText: 'Page 2 · jobs 11–' }).waitFor();
    const secondPage = await page
      .locator('#jobs-table tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-job')));
    expect(secondPage.length).toBe(Math.min(10, total - 10));
    expect(secondPage.filter((id) => firstPage.includes(id))).toEqual([]);
    // The page refreshes itself (every 15 s, or 1.5 s while jobs run): still page 2.
    await page.evaluate('window.dispatchEvent(new HashChangeEvent("hashchange"))');
    await page.waitForTimeout(500);
    expect(await page.textContent('#page-state')).toMatch(/^Page 2 · /);
    await page.click('#page-newer');
    await page.locator('#page-state', { hasText: 'Page 1 · jobs 1–10' }).waitFor();
    expect(await page.isDisabled('#page-newer')).toBe(true);
    await page.selectOption('#page-size', '25');
  }, 120_000);

  it('when a user creates a schedule on the Schedules view, then it lists its next runs and runs now, pauses, unpauses, shows its jobs and deletes', async () => {
    await page.goto(`${stack.url}/ui/#/schedules`);
    await page.evaluate(`sessionStorage.setItem('contact-exports-api-key', ${JSON.stringify(TEST_API_KEY)})`);
    await page.reload();
    await page.waitForSelector('#schedules-view:not([hidden])');
    await page.click('#new-schedule summary');
    await page.fill('#schedule-form input[name=name]', 'from-the-page');
    await page.fill('#schedule-form input[name=cron]', '0 2 29 2 *');
    await page.fill('#schedule-form input[name=timezone]', 'Europe/Berlin');
    await page.check('#schedule-form input[name=incremental]');
    await page.fill(
      '#schedule-form textarea[name=export]',
      '{"exportType": "csv", "fields": ["channels.email.address"], "modifiedBefore": "2000-01-01"}',
    );
    await page.click('#schedule-form button[type=submit]');
    // Incremental schedules set each run's window: the form shows the API's error naming the field.
    await page.locator('#schedule-errors li', { hasText: 'export.modifiedBefore' }).waitFor();
    await page.fill(
      '#schedule-form textarea[name=export]',
      '{"exportType": "csv", "fields": ["channels.email.address"]}',
    );
    await page.click('#schedule-form button[type=submit]');
    const row = page.locator('#schedules-table tbody tr', { hasText: 'from-the-page' });
    await row.waitFor();
    expect(await row.locator('td').nth(1).textContent()).toBe('cron 0 2 29 2 * (Europe/Berlin)');
    expect((await row.locator('td.next-runs').textContent())?.length).toBeGreaterThan(5);
    expect(await row.locator('td').nth(4).textContent()).toBe('since the beginning');

    await row.locator('button.trigger').click();
    await row.locator('td .status.Done').waitFor({ timeout: 60_000 });
    await page.locator('#schedules-table tbody tr td', { hasText: /^since (?!the beginning)/ }).waitFor();
    await row.locator('button.pause').click();
    await page
      .locator('#schedules-table tbody tr[data-paused="true"]', { hasText: 'from-the-page' })
      .waitFor();
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 800 });
      const fit = await page.evaluate(`(() => {
        const scroller = document.querySelector('#schedules-view .table-scroll');
        scroller.scrollLeft = 0;
        return {
          pageOverflows: document.documentElement.scrollWidth > window.innerWidth,
          tableFits: scroller.scrollWidth <= scroller.clientWidth,
        };
      })()`);
      // At 1280 px the whole table shows; at 390 px it scrolls sideways inside the page.
      expect(fit).toEqual({ pageOverflows: false, tableFits: width === 1280 });
      await page.screenshot({ path: path.join(screenshots, `schedules-page-${width}.png`) });
    }
    await page.setViewportSize({ width: 1400, height: 800 });
    await row.locator('button.unpause').click();
    await page
      .locator('#schedules-table tbody tr[data-paused="false"]', { hasText: 'from-the-page' })
      .waitFor();

    // Its name leads to its jobs only.
    await row.locator('td a').first().click();
    await page.waitForSelector('#jobs-view:not([hidden])');
    await page.locator('#schedule-filter:not([hidden])').waitFor();
    await page.locator('#page-state', { hasText: 'jobs 1–1' }).waitFor();
    expect(await page.locator('#jobs-table tbody tr a').first().textContent()).toMatch(
      /^from-the-page-\d{8}T\d{6}Z$/,
    );

    await page.click('#nav-schedules');
    page.once('dialog', (dialog) => void dialog.accept());
    await row.locator('button.delete').click();
    await row.waitFor({ state: 'detached' });
    expect((await stack.request<{ schedules: unknown[] }>('GET', '/exportschedules')).body.schedules).toEqual(
      [],
    );
  }, 120_000);

  it('when the API docs are opened under the gateway’s CSP, then Swagger UI renders the operations', async () => {
    const blocked: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) blocked.push(message.text());
    });
    await page.goto(`${stack.url}/docs/`);
    await page
      .locator('.swagger-ui .info .title', { hasText: 'contact-exports' })
      .waitFor({ timeout: 30_000 });
    await page.locator('.opblock-summary-path', { hasText: '/contactexports' }).first().waitFor();
    expect(blocked).toEqual([]);
  });

  it('when the API key is wrong, then the page asks to sign in again', async () => {
    await page.goto(`${stack.url}/ui/#/`);
    await page.evaluate("sessionStorage.setItem('contact-exports-api-key', 'not-a-key')");
    await page.reload();
    await page.waitForSelector('#sign-in:not([hidden])');
    expect(await page.evaluate("sessionStorage.getItem('contact-exports-api-key')")).toBeNull();
  });
});
