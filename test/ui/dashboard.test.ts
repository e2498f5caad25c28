// The dashboard in a real browser (Debian's headless Chromium, driven by
// playwright-core; never a downloaded browser): a client grants and consumes
// credits through the API, and the page shows the account, its balance,
// credits, transactions and the journal; moving the fake clock from the page
// expires a credit. Screenshots land in test-artifacts/ (gitignored).
//
// Without /usr/bin/chromium the browser tests are skipped, loudly.

import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, CHROMIUM_ARGS, chromiumOrWarn } from '../helpers/chromium.js';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestMock, type TestMock } from '../helpers/mock.js';

const hasChromium = chromiumOrWarn('the dashboard browser tests');
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const ADMIN = 'dash-admin-secret';
const TENANT = 'tenant-a-token'; // the Togai API credential of the app under test
const OTHER = 'tenant-b-token';
const ACCOUNT = 'ACC-DASH-1';
const HELD = 'ACC-DASH-2';
const XSS = '<img src=x onerror="window.__xss=1">promo';

/**
 * A page that may load only from the mock: anything else is aborted and
 * recorded in `outside`; uncaught errors and console errors (a CSP
 * violation included) land in `errors`.
 */
async function openPage(
  browser: Browser,
  mockUrl: string,
): Promise<{ page: Page; outside: string[]; errors: string[] }> {
  const outside: string[] = [];
  const errors: string[] = [];
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (err) => errors.push(String(err)));
  page.on('console', (msg) => {
    // A 401 before the token is entered is expected; anything else is a bug (CSP included).
    if (msg.type() === 'error' && !/status of 401/.test(msg.text())) errors.push(msg.text());
  });
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(mockUrl) || url.startsWith('data:')) return route.continue();
    outside.push(url);
    return route.abort();
  });
  return { page, outside, errors };
}

describe.skipIf(!hasChromium)('dashboard in headless Chromium', () => {
  let mock: TestMock;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[] = [];
  let outsideRequests: string[] = [];

  /** A control call as the dashboard's user would make it: admin token, tenant A. */
  const control = (method: string, path: string, body?: unknown, tenant = TENANT) =>
    mock.call(method, `/_mock${path}`, { body, token: ADMIN, headers: { 'x-mock-tenant': tenant } });

  beforeAll(async () => {
    mock = await startTestMock({ adminToken: ADMIN, isolateTenants: true });
    mkdirSync(ARTIFACTS, { recursive: true });

    // The app under test, as tenant A, on 1 March 2025.
    expect((await control('PUT', '/clock', { now: '2025-03-01T00:00:00Z' })).status).toBe(200);
    const grant = await mock.call('POST', '/credits', {
      token: TENANT,
      body: {
        creditRequests: [
          {
            accountId: ACCOUNT,
            purpose: 'PREPAID_CREDIT',
            effectiveFrom: '2025-01-01',
            effectiveUntil: '2025-03-15',
            creditAmount: 1000,
            priority: 1,
          },
          {
            accountId: ACCOUNT,
            purpose: XSS,
            effectiveFrom: '2025-01-01',
            effectiveUntil: '2025-12-31',
            creditAmount: 500,
            priority: 2,
          },
          { accountId: ACCOUNT, purpose: 'NEXT_QUARTER', effectiveFrom: '2025-06-01', creditAmount: 200, priority: 1 },
        ],
      },
    });
    expect(grant.status).toBe(200);
    const consumed = await control('POST', `/accounts/${ACCOUNT}/consume`, { amount: 300, invoiceId: 'INV-1' });
    expect(consumed.status).toBe(200);
    expect(consumed.body.drawn).toEqual([expect.objectContaining({ creditId: grant.body.credits[0].id, amount: 300 })]);
    // A second account with a hold: running balance below available.
    expect(
      (
        await mock.call('POST', '/credits', {
          token: TENANT,
          body: {
            creditRequests: [
              { accountId: HELD, purpose: 'HOLDS', effectiveFrom: '2025-01-01', creditAmount: 100, priority: 1 },
            ],
          },
        })
      ).status,
    ).toBe(200);
    expect(
      (await control('POST', `/accounts/${HELD}/consume`, { amount: 40, invoiceId: 'INV-H', hold: true })).status,
    ).toBe(200);
    // A validation failure the journal must point at.
    const bad = await mock.call('POST', '/credits', {
      token: TENANT,
      body: { creditRequests: [{ accountId: ACCOUNT, purpose: 'X', effectiveFrom: '2025-01-01', priority: 'high' }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^creditRequests\[0\]\.priority /);
    // Another tenant's account must not show up in tenant A's dashboard.
    expect(
      (
        await mock.call('POST', '/credits', {
          token: OTHER,
          body: {
            creditRequests: [
              {
                accountId: 'ACC-OTHER-TENANT',
                purpose: 'X',
                effectiveFrom: '2025-01-01',
                creditAmount: 1,
                priority: 1,
              },
            ],
          },
        })
      ).status,
    ).toBe(200);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    // Everything must come from the mock itself.
    ({ page, outside: outsideRequests, errors: pageErrors } = await openPage(browser, mock.url));
  });

  afterAll(async () => {
    await browser?.close();
  });

  // The page walks through the story below test by test; each test also
  // answers for what the page fetched and raised while it ran.
  beforeEach(() => {
    outsideRequests.length = 0;
    pageErrors.length = 0;
  });
  afterEach(() => {
    expect(outsideRequests, 'requests outside the mock').toEqual([]);
    expect(pageErrors, 'page errors').toEqual([]);
  });

  const cellText = (selector: string) => page.locator(selector).first().innerText();

  it('asks for the admin token, then lists the tenant’s account with its balance', async () => {
    await page.goto(`${mock.url}/_mock/ui/`);
    await page.locator('#status', { hasText: '401' }).waitFor();
    expect(await page.locator('#status').innerText()).toContain('admin token');

    await page.fill('#admin-token', ADMIN);
    await page.fill('#tenant', TENANT);
    await page.click('#settings button[type=submit]');
    const row = page.locator(`#accounts-table tr[data-account-id="${ACCOUNT}"]`);
    await row.waitFor();
    // 1000 + 500 in effect, 300 consumed, 200 not yet in effect.
    expect(await row.locator('[data-field=activeCredits]').innerText()).toBe('1,500');
    expect(await row.locator('[data-field=availableBalance]').innerText()).toBe('1,200');
    expect(await row.locator('[data-field=runningBalance]').innerText()).toBe('1,200');
    expect(await row.locator('[data-field=inapplicableCredits]').innerText()).toBe('200');
    expect(await row.innerText()).toContain('USD');
    const held = page.locator(`#accounts-table tr[data-account-id="${HELD}"]`);
    expect(await held.locator('[data-field=availableBalance]').innerText()).toBe('100');
    expect(await held.locator('[data-field=runningBalance]').innerText()).toBe('60');
    expect(await page.locator('#accounts-table tbody tr').count()).toBe(2);
    expect(await page.locator('#view').innerText()).not.toContain('ACC-OTHER-TENANT');
    // The token lives in sessionStorage only.
    // (Strings, as this file is type-checked without the DOM library.)
    expect(await page.evaluate("[sessionStorage.getItem('togai-mock.adminToken'), localStorage.length]")).toEqual([
      ADMIN,
      0,
    ]);
  });

  it('shows an account’s holds and settles one from the page', async () => {
    await page.click(`#accounts-table a.account-link:text-is("${HELD}")`);
    const hold = page.locator('#holds-table tbody tr');
    await hold.waitFor();
    expect(await hold.count()).toBe(1);
    expect(await hold.innerText()).toContain('INV-H');
    expect(await hold.innerText()).toContain('40');
    expect(await page.locator('#credits-table tr.credit [data-field=holdAmount]').innerText()).toBe('40');
    expect(await page.locator('#credits-table tr.credit [data-field=remaining]').innerText()).toBe('60');
    // Settling the hold from the page turns it into consumption.
    await hold.locator('button:text("Settle")').click();
    await page.locator('#holds-table').waitFor({ state: 'detached' });
    expect(await page.locator('#credits-table tr.credit [data-field=consumedAmount]').innerText()).toBe('40');
    expect(await page.locator('#credits-table tr.credit [data-field=holdAmount]').innerText()).toBe('0');
    expect(await cellText('#balance [data-field=runningBalance] .card-value')).toBe('60');
    expect((await control('GET', `/accounts/${HELD}`)).body.holds).toEqual([]);
    await page.click('#account-id >> xpath=.. >> a');
    await page.locator('#accounts-table').waitFor();
  });

  it('shows the account’s credits and each credit’s transactions as a timeline', async () => {
    await page.click(`#accounts-table a.account-link:text-is("${ACCOUNT}")`);
    await page.locator('#credits-table').waitFor();
    expect(await page.locator('#account-id').innerText()).toBe(ACCOUNT);
    expect(await cellText('#balance [data-field=activeCredits] .card-value')).toBe('1,500');
    expect(await cellText('#balance [data-field=availableBalance] .card-value')).toBe('1,200');

    const credits = page.locator('#credits-table tr.credit');
    expect(await credits.count()).toBe(3);
    const first = credits.nth(0);
    expect(await first.getAttribute('data-status')).toBe('ACTIVE');
    expect(await first.locator('[data-field=creditAmount]').innerText()).toBe('1,000');
    expect(await first.locator('[data-field=consumedAmount]').innerText()).toBe('300');
    expect(await first.locator('[data-field=remaining]').innerText()).toBe('700');
    expect(await first.innerText()).toContain('2025-03-15');
    // Data is text, never markup.
    expect(await credits.nth(1).innerText()).toContain(XSS);
    expect(await page.locator('#credits-table img').count()).toBe(0);
    expect(await page.evaluate('window.__xss')).toBeUndefined();

    await first.click();
    const timeline = page.locator('#credits-table tr.detail .timeline li');
    await timeline.first().waitFor();
    expect(await timeline.evaluateAll((items) => items.map((li) => li.getAttribute('data-type')))).toEqual([
      'CREDITED',
      'DEBITED',
    ]);
    expect(await timeline.nth(0).innerText()).toContain('+1,000');
    expect(await timeline.nth(1).innerText()).toContain('−300');
    expect(await timeline.nth(1).innerText()).toContain('invoice INV-1');
  });

  it('shows the journal newest first, with the failed field highlighted and the bodies on click', async () => {
    await page.click('#tabs a[data-tab=journal]');
    const rows = page.locator('#journal-table tr.entry');
    await rows.first().waitFor();
    // Tenant A's three Togai API calls (control calls are not journalled), newest on top.
    expect(await rows.count()).toBe(3);
    const newest = rows.nth(0);
    expect(await newest.getAttribute('data-status')).toBe('400');
    expect(await newest.innerText()).toContain('POST');
    expect(await newest.innerText()).toContain('/credits');
    expect(await newest.innerText()).toContain('createCredit');
    expect(await newest.locator('mark.failed-field').innerText()).toBe('creditRequests[0].priority');
    expect(await rows.nth(1).getAttribute('data-status')).toBe('200');

    await newest.click();
    const detail = page.locator('#journal-table tr.detail');
    await detail.waitFor();
    expect(await detail.locator('.hl').first().innerText()).toContain('"priority": "high"');
    expect(await detail.innerText()).toContain('"message"');

    // Outcome filter: successes only, then all again.
    await page.selectOption('.filters select[name=outcome]', 'ok');
    await page.locator('#journal-table tr.entry[data-status="400"]').waitFor({ state: 'detached' });
    expect(await rows.count()).toBe(2);
    await page.selectOption('.filters select[name=outcome]', 'all');
    await page.locator('#journal-table tr.entry[data-status="400"]').waitFor();
    await page.screenshot({ path: `${ARTIFACTS}dashboard-journal.png`, fullPage: true });
  });

  it('moves the clock from the page and shows the credit expire', async () => {
    await page.click('#tabs a[data-tab=controls]');
    await page.locator('#clock-now', { hasText: '2025-03-01 00:00:00Z' }).waitFor();
    expect(await page.locator('#clock-mode').innerText()).toBe('frozen');

    await page.fill('#clock-advance-amount', '20');
    await page.selectOption('#clock-advance-unit', '86400');
    await page.click('#clock-advance-button');
    await page.locator('#clock-now', { hasText: '2025-03-21 00:00:00Z' }).waitFor();

    await page.goto(`${mock.url}/_mock/ui/#/accounts/${ACCOUNT}`);
    const first = page.locator('#credits-table tr.credit').first();
    await first.waitFor();
    expect(await first.getAttribute('data-status')).toBe('EXPIRED');
    expect(await cellText('#balance [data-field=activeCredits] .card-value')).toBe('500');
    await first.click();
    const timeline = page.locator('#credits-table tr.detail .timeline li');
    await timeline.nth(2).waitFor();
    expect(await timeline.nth(2).getAttribute('data-type')).toBe('EXPIRED');
    expect(await timeline.nth(2).innerText()).toContain('−700');

    // And the server agrees: the page moved the tenant's clock, not a copy of it.
    expect((await control('GET', '/clock')).body).toEqual({ now: '2025-03-21T00:00:00.000Z', frozen: true });
  });

  it('adds a fault rule from the page, sees it answer in the journal, and removes it', async () => {
    await page.click('#tabs a[data-tab=controls]');
    await page.locator('#faults-list .empty').waitFor();
    // Typed in another case than Togai's CreditBalanceForAccount: the rule still matches, stored in Togai's spelling.
    await page.fill('#faults-panel input[name=operationId]', 'creditbalanceforaccount');
    await page.fill('#faults-panel input[name=status]', '503');
    await page.fill('#faults-panel input[name=message]', 'Injected from the dashboard');
    await page.click('#faults-panel button:text("Add rule")');
    const rule = page.locator('#faults-list tr[data-fault-id]');
    await rule.waitFor();
    expect(await rule.innerText()).toContain('CreditBalanceForAccount');
    const listed = (await control('GET', '/faults')).body.faults;
    expect(listed).toEqual([
      expect.objectContaining({
        match: { operationId: 'CreditBalanceForAccount' },
        status: 503,
        message: 'Injected from the dashboard',
      }),
    ]);

    const hit = await mock.call('GET', `/accounts/${ACCOUNT}/credit_balance`, { token: TENANT });
    expect(hit.status).toBe(503);
    expect(hit.body).toEqual({ message: 'Injected from the dashboard' });

    await page.click('#tabs a[data-tab=journal]');
    const newest = page.locator('#journal-table tr.entry').first();
    await page.locator('#journal-table tr.entry[data-status="503"]').waitFor();
    expect(await newest.getAttribute('data-status')).toBe('503');
    expect(await newest.innerText()).toContain(`fault ${listed[0].id}`);
    expect(await newest.innerText()).toContain('CreditBalanceForAccount');

    await page.click('#tabs a[data-tab=controls]');
    await rule.locator('button:text("Remove")').click();
    await page.locator('#faults-list .empty').waitFor();
    expect((await control('GET', '/faults')).body.faults).toEqual([]);
  });

  it('renders the API reference from our spec, with nothing fetched from outside', async () => {
    // On a page of its own: needs no admin token and nothing an earlier test did.
    const docs = await openPage(browser, mock.url);
    try {
      await docs.page.goto(`${mock.url}/_mock/docs/`);
      const title = docs.page.locator('.swagger-ui .info .title', { hasText: 'Togai' });
      await title.waitFor();
      await docs.page.locator('.opblock-summary-operation-id', { hasText: 'createCredit' }).first().waitFor();
      const operations = () => docs.page.locator('.opblock-summary-operation-id').allInnerTexts();
      // The five Credits operations of spec/togai-credits.yaml, as Swagger UI lists them.
      expect(await operations()).toEqual(
        expect.arrayContaining([
          'createCredit',
          'listCredits',
          'getCreditDetails',
          'voidCredit',
          'CreditBalanceForAccount',
        ]),
      );
      // Switch to the control API's document.
      await docs.page.selectOption('.topbar select', { label: 'togai-mock control API (/_mock)' });
      await docs.page.locator('.opblock-summary-operation-id', { hasText: 'listAccounts' }).first().waitFor();
      expect(await operations()).toEqual(expect.arrayContaining(['listAccounts', 'providerState', 'getState']));
      expect(await operations()).not.toContain('createCredit');
      await docs.page.screenshot({ path: `${ARTIFACTS}docs.png` });
      expect(docs.outside).toEqual([]);
      expect(docs.errors).toEqual([]);
    } finally {
      await docs.page.close();
    }
  });
});

describe.skipIf(!hasChromium)('dashboard at 1,000 accounts and 100,000 credits', () => {
  let mock: TestMock;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mock = await startTestMock();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    // Seeding 100,000 credits takes seconds, more on a busy CI machine.
    page.setDefaultTimeout(60_000);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('seeds from the page and pages through accounts and credits, never rendering them all', async () => {
    await page.goto(`${mock.url}/_mock/ui/#/controls`);
    await page.fill('#seed-panel input[name=accounts]', '1000');
    await page.fill('#seed-panel input[name=creditsPerAccount]', '100');
    await page.click('#seed-panel button[type=submit]');
    await page
      .locator('#seed-outcome', { hasText: 'seeded 1,000 accounts and 100,000 credits' })
      .waitFor({ timeout: 120_000 });

    await page.click('#tabs a[data-tab=accounts]');
    await page.locator('#accounts-table').waitFor();
    expect(await page.locator('#accounts-table tbody tr').count()).toBe(50);
    expect(await page.locator('.pager span').innerText()).toBe('1–50 of 1,000');
    await page.click('.pager button:text("Next →")');
    await page.locator('.pager span', { hasText: '51–100 of 1,000' }).waitFor();
    await page.goto(`${mock.url}/_mock/ui/#/accounts?offset=950`);
    await page.locator('.pager span', { hasText: '951–1,000 of 1,000' }).waitFor();
    expect(await page.locator('#accounts-table tbody tr').count()).toBe(50);
    expect(await page.locator('.pager button:text("Next →")').isDisabled()).toBe(true);

    await page.click('#accounts-table a.account-link >> nth=49');
    await page.locator('#credits-table').waitFor();
    expect(await page.locator('#credits-table tr.credit').count()).toBe(50);
    expect(await page.locator('#credits .pager span').innerText()).toBe('1–50 of 100');
    await page.click('#credits .pager button:text("Next →")');
    await page.locator('#credits .pager span', { hasText: '51–100 of 100' }).waitFor();
    expect(await page.locator('#credits-table tr.credit').count()).toBe(50);
    // The whole document stays small: one page of one list.
    expect(await page.locator('tr').count()).toBeLessThan(120);
  }, 180_000);

  it('resets from the page with a confirming second click', async () => {
    await page.goto(`${mock.url}/_mock/ui/#/controls`);
    await page.click('#reset-button');
    expect(await page.locator('#reset-button').innerText()).toContain('Click again');
    await page.click('#reset-button');
    await page.locator('#reset-outcome', { hasText: 'all state erased' }).waitFor();
    await page.click('#tabs a[data-tab=accounts]');
    await page.locator('#view .empty', { hasText: 'No accounts yet' }).waitFor();
  });
});
