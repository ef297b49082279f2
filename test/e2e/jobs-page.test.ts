import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { findTool } from '../../src/devstack/binaries';
import { seedStore } from '../../src/seed/seed-store';
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
      config: testConfig({ EXPORT_BATCH_SIZE: '500', PROGRESS_INTERVAL: '100ms' }),
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
    await page.waitForSelector('#job-title:has-text("Done")');
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
