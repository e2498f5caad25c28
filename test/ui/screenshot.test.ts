// The README's picture and the account view's balance chart, in a real
// browser (Debian's headless Chromium via playwright-core, as in
// dashboard.test.ts). A clean, realistic account is built the way a user's
// test run would build one: seeded accounts (faker), then ten weeks of
// invoices consuming credits and drawing on the wallet, usage events, a
// top-up and an expiry, all on the fake clock.
// The chart's points are checked against the account's transactions and its
// balance; the page is saved to test-artifacts/dashboard.png. To refresh the
// README's picture from it:
//
//   UPDATE_README_SCREENSHOT=1 npx vitest run test/ui/screenshot.test.ts
//
// Without /usr/bin/chromium these tests are skipped, loudly.

import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, CHROMIUM_ARGS, chromiumOrWarn } from '../helpers/chromium.js';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestMock, type TestMock } from '../helpers/mock.js';

const hasChromium = chromiumOrWarn('the README screenshot and balance chart browser tests');
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const README_PICTURE = fileURLToPath(new URL('../../docs/dashboard.png', import.meta.url));
const DAY_S = 86_400;
const SIGN: Record<string, number> = { CREDITED: 1, DEBITED: -1, EXPIRED: -1, VOIDED: -1 };

interface Txn {
  transactionType: string;
  amount: number;
  createdAt: string;
}

/** The balance after each instant with transactions, computed here from the API's data. */
function expectedSeries(credits: Array<{ transactions?: Txn[] }>): Array<{ time: string; value: number }> {
  const byTime = new Map<string, number>();
  for (const t of credits.flatMap((c) => c.transactions ?? [])) {
    byTime.set(t.createdAt, (byTime.get(t.createdAt) ?? 0) + SIGN[t.transactionType]! * t.amount);
  }
  let value = 0;
  return [...byTime.keys()]
    .sort((a, b) => Date.parse(a) - Date.parse(b))
    .map((time) => {
      value = Number((value + byTime.get(time)!).toPrecision(15));
      return { time: new Date(time).toISOString(), value };
    });
}

describe.skipIf(!hasChromium)('account view in headless Chromium: balance chart and the README picture', () => {
  let mock: TestMock;
  let browser: Browser;
  let page: Page;
  let featured: string;
  const pageErrors: string[] = [];
  const outsideRequests: string[] = [];

  const control = async (method: string, path: string, body?: unknown) => {
    const res = await mock.call(method, `/_mock${path}`, { body });
    expect(res.status, `${method} /_mock${path}: ${res.text}`).toBeLessThan(300);
    return res.body;
  };

  beforeAll(async () => {
    mock = await startTestMock();
    mkdirSync(ARTIFACTS, { recursive: true });

    // A clean start on a fixed day, then realistic seeded accounts.
    await control('POST', '/reset');
    await control('PUT', '/clock', { now: '2025-01-06T09:00:00Z' });
    const seeded = await control('POST', '/seed', { seed: 2024, accounts: 8, creditsPerAccount: 3 });
    featured = seeded.accounts[0].accountId;

    // Its alias and wallet, so the picture shows every part of the account view.
    const togai = async (path: string, body: unknown) => {
      const r = await mock.call('POST', path, { body });
      expect(r.status, `POST ${path}: ${r.text}`).toBeLessThan(300);
    };
    await togai(`/accounts/${encodeURIComponent(featured)}/add_aliases`, { aliases: ['acme-production'] });
    await togai(`/accounts/${encodeURIComponent(featured)}/wallet_topup`, { topupAmount: 1500 });

    // Ten weeks of the featured account's life: a weekly invoice draws on its
    // credits and wallet, usage events arrive (one of them twice), a top-up
    // arrives in week 4, and the clock passes expiries.
    const invoices = [420, 380, 510, 460, 390, 620, 540, 480, 700, 560];
    const start = Date.parse('2025-01-06T09:00:00Z');
    for (const [week, amount] of invoices.entries()) {
      await control('POST', '/clock/advance', { seconds: 7 * DAY_S });
      if (week >= 6) {
        const event = {
          id: `usage-week-${week + 1}`,
          accountId: week % 2 === 0 ? featured : 'acme-production',
          schemaName: 'api_calls',
          timestamp: new Date(start + (week + 1) * 7 * DAY_S * 1000 - 3_600_000).toISOString(),
          attributes: [{ name: 'calls', value: String(amount * 10) }],
          dimensions: { region: 'eu-west-1' },
        };
        await togai('/ingest', { event });
        if (week === 8) await togai('/ingest', { event }); // sent again: a duplicate
      }
      if (week === 3) {
        const topUp = await mock.call('POST', '/credits', {
          body: {
            creditRequests: [
              {
                accountId: featured,
                purpose: 'PREPAID_CREDIT',
                effectiveFrom: '2025-02-03',
                effectiveUntil: '2025-12-31',
                creditAmount: 2500,
                priority: 1,
              },
            ],
          },
        });
        expect(topUp.status).toBe(200);
      }
      await control('POST', `/accounts/${featured}/consume`, {
        amount,
        invoiceId: `INV-2025-${String(week + 1).padStart(3, '0')}`,
      });
      if (week >= 7) {
        await control('POST', `/accounts/${featured}/wallet/debit`, {
          amount: amount / 4,
          invoiceId: `INV-2025-${String(week + 1).padStart(3, '0')}`,
        });
      }
    }
    // Accounts at the two small ends of the chart: no transaction, and one.
    await control('POST', '/accounts', { accountId: 'acc-new-customer', customerId: 'cus_new' });
    expect(
      (
        await mock.call('POST', '/credits', {
          body: {
            creditRequests: [
              {
                accountId: 'acc-single-grant',
                purpose: 'SIGNUP_BONUS',
                effectiveFrom: '2025-03-01',
                creditAmount: 250,
                priority: 1,
              },
            ],
          },
        })
      ).status,
    ).toBe(200);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (err) => pageErrors.push(String(err)));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(msg.text());
    });
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(mock.url) || url.startsWith('data:')) return route.continue();
      outsideRequests.push(url);
      return route.abort();
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  /** The chart's points as the page drew them. */
  const drawnPoints = () =>
    page
      .locator('#balance-chart .chart-points circle')
      .evaluateAll((circles) =>
        circles.map((c) => ({ time: c.getAttribute('data-time'), value: Number(c.getAttribute('data-value')) })),
      );

  it('draws the balance after every transaction, ending at what the account has now', async () => {
    await page.goto(`${mock.url}/_mock/ui/#/accounts/${encodeURIComponent(featured)}`);
    const chart = page.locator('#balance-chart');
    await chart.waitFor();

    const account = await control('GET', `/accounts/${encodeURIComponent(featured)}`);
    const expected = expectedSeries(account.credits);
    expect(expected.length).toBeGreaterThan(10); // the seed, ten invoices, the top-up
    expect(await drawnPoints()).toEqual(expected);

    // The last point is the account's total: available plus credits not yet in effect.
    const balance = (await mock.call('GET', `/accounts/${encodeURIComponent(featured)}/credit_balance`)).body;
    const total = Number((balance.availableBalance + balance.inapplicableCredits).toPrecision(15));
    expect(expected.at(-1)!.value).toBe(total);
    expect(Number(await chart.getAttribute('data-last-value'))).toBe(total);

    // Described for screen readers: a title and a description naming the value now.
    expect(await chart.getAttribute('role')).toBe('img');
    expect(await chart.getAttribute('aria-labelledby')).toBe('balance-chart-title balance-chart-desc');
    expect(await chart.locator('title#balance-chart-title').textContent()).toBe(
      `Balance of ${featured} over time, in ${balance.unit}`,
    );
    const total$ = new Intl.NumberFormat('en-US', { maximumFractionDigits: 6 }).format(total);
    expect(await chart.locator('desc#balance-chart-desc').textContent()).toContain(`is ${total$} ${balance.unit} now`);
    // The line is a path the browser can measure: it spans the plot.
    const box = await chart.locator('.chart-line').boundingBox();
    expect(box!.width).toBeGreaterThan(300);
  });

  it('takes the README picture: the account with one credit’s transactions open', async () => {
    // The credit with the longest history.
    const account = await control('GET', `/accounts/${encodeURIComponent(featured)}`);
    const busiest = [...account.credits].sort((a, b) => b.transactions.length - a.transactions.length)[0];
    expect(busiest.transactions.length).toBeGreaterThan(2);
    await page.locator(`#credits-table tr.credit[data-credit-id="${busiest.id}"]`).click();
    const timeline = page.locator('#credits-table tr.detail .timeline li');
    await timeline.first().waitFor();
    expect(await timeline.count()).toBe(busiest.transactions.length);
    // The rest of the account, as the Togai API tells it: the seed's and this file's wallet entries (a top-up
    // and three debits of its own), its aliases (acme-production among them), its events with a duplicate.
    const id = encodeURIComponent(featured);
    const profile = await control('GET', `/accounts/${id}/profile`);
    expect(profile.walletEntryCount).toBeGreaterThanOrEqual(4);
    expect(await page.locator('#wallet-entries tbody tr').count()).toBe(profile.walletEntries.length);
    const aliases = (await mock.call('GET', `/accounts/${id}/account_aliases`)).body.data as Array<{ value: string }>;
    expect(aliases.map((a) => a.value)).toContain('acme-production');
    expect(await page.locator('#aliases-table tbody tr').count()).toBe(profile.aliases.length);
    const events = (await mock.call('GET', `/events?account_id=${id}`)).body.events as Array<{
      ingestionStatus: { status: string };
    }>;
    const statuses = events.map((e) => e.ingestionStatus.status);
    expect(statuses).toContain('INGESTION_FAILED_DUPLICATE_EVENT');
    expect(
      await page
        .locator('#events-table tbody tr')
        .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-status'))),
    ).toEqual(statuses);
    // From the top: clicking the credit scrolled the page, and sticky table headers would follow.
    await page.evaluate('window.scrollTo(0, 0)');
    const file = `${ARTIFACTS}dashboard.png`;
    await page.screenshot({ path: file, fullPage: true });
    if (process.env.UPDATE_README_SCREENSHOT === '1') copyFileSync(file, README_PICTURE);
  });

  it('says so when an account has no transaction yet', async () => {
    await page.goto(`${mock.url}/_mock/ui/#/accounts/acc-new-customer`);
    await page.locator('#balance-chart-empty').waitFor();
    expect(await page.locator('#balance-chart').count()).toBe(0);
  });

  it('draws a single grant as one step up to its amount', async () => {
    await page.goto(`${mock.url}/_mock/ui/#/accounts/acc-single-grant`);
    const chart = page.locator('#balance-chart');
    await chart.waitFor();
    const account = await control('GET', '/accounts/acc-single-grant');
    expect(await drawnPoints()).toEqual([
      { time: new Date(account.credits[0].transactions[0].createdAt).toISOString(), value: 250 },
    ]);
    expect(await chart.getAttribute('data-last-value')).toBe('250');
    expect(await chart.locator('desc').textContent()).toContain('1 transaction from');
    await page.locator('.overview').screenshot({ path: `${ARTIFACTS}chart-single.png` });
  });

  it('made no request outside the mock and raised no page errors', () => {
    expect(outsideRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
