// The dashboard's customers and account views in a real browser (Debian's
// headless Chromium via playwright-core): a client onboards customers and
// accounts, adds aliases, tops a wallet up, ingests events (some of which
// fail) and grants a credit through the Togai API, an "invoice" draws on the
// wallet through the control API, and the page shows each of them, for the
// tenant entered in its header only. Browsing changes no state. Screenshots
// land in test-artifacts/ (gitignored).
//
// Without /usr/bin/chromium the browser tests are skipped, loudly.

import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, CHROMIUM_ARGS, chromiumOrWarn } from '../helpers/chromium.js';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestMock, type TestMock } from '../helpers/mock.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const hasChromium = chromiumOrWarn('the dashboard’s customers and accounts browser tests');
const ADMIN = 'dash-admin-secret';
const TENANT = 'tenant-a-token';
const OTHER = 'tenant-b-token';

describe.skipIf(!hasChromium)('dashboard: customers, accounts, wallets and events', () => {
  let mock: TestMock;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const outside: string[] = [];
  let stateBefore: unknown;

  const api = async (method: string, path: string, body?: unknown, token = TENANT) => {
    const r = await mock.call(method, path, { body, token });
    expect(r.status, `${method} ${path}: ${r.text}`).toBeLessThan(300);
    return r.body;
  };
  const control = (method: string, path: string, body?: unknown) =>
    mock.call(method, `/_mock${path}`, { body, token: ADMIN, headers: { 'x-mock-tenant': TENANT } });
  /** The state as GET /_mock/state exports it, but for when it was exported (the wall clock). */
  const stateNow = async () => {
    const { savedAt, ...state } = (await control('GET', '/state')).body;
    expect(typeof savedAt).toBe('string');
    return state;
  };
  const onboard = (customerId: string, accountId: string, name: string, token = TENANT) =>
    api(
      'POST',
      '/customers',
      {
        id: customerId,
        name,
        primaryEmail: 'billing@example.com',
        address: { country: 'US' },
        account: { id: accountId, name: `${name} main`, invoiceCurrency: 'EUR' },
      },
      token,
    );
  const event = (id: string, accountId: string, timestamp = '2025-02-28T10:00:00Z') => ({
    id,
    accountId,
    schemaName: 'rides',
    timestamp,
    attributes: [{ name: 'km', value: '12' }],
    dimensions: {},
  });

  beforeAll(async () => {
    mock = await startTestMock({ adminToken: ADMIN, isolateTenants: true });
    expect((await control('PUT', '/clock', { now: '2025-03-01T00:00:00Z' })).status).toBe(200);

    await onboard('CUS-1', 'ACC-1', 'Acme Inc');
    await onboard('CUS-2', 'ACC-2', 'Gone Ltd');
    await api('DELETE', '/customers/CUS-2');
    await onboard('CUS-3', 'ACC-3', 'Busy Co');
    await api('POST', '/accounts/ACC-1/add_aliases', {
      accountAliases: [
        { value: 'acme-prod' },
        { value: 'acme-2026', effectiveFrom: '2026-01-01T00:00:00Z', effectiveUntil: '2026-06-01T00:00:00Z' },
      ],
    });
    await api('POST', '/accounts/ACC-1/wallet_topup', { topupAmount: 100 });
    expect((await control('POST', '/accounts/ACC-1/wallet/debit', { amount: 30, invoiceId: 'INV-W' })).status).toBe(
      200,
    );
    await api('POST', '/ingest', { event: event('e1', 'ACC-1') });
    await api('POST', '/ingest', { event: event('e2', 'acme-prod') });
    await api('POST', '/ingest', { event: event('e1', 'ACC-1') }); // a duplicate: stored as failed
    await api('POST', '/ingest', { event: event('e3', 'ACC-1', '2024-01-01T00:00:00Z') }); // past the grace period
    await api('POST', '/credits', {
      creditRequests: [
        { accountId: 'ACC-1', purpose: 'PREPAID', effectiveFrom: '2025-01-01', creditAmount: 250, priority: 1 },
      ],
    });
    // 55 events on another account: more than one page.
    await api('POST', '/ingestBatch', {
      events: Array.from({ length: 55 }, (_, i) => event(`b${String(i + 1).padStart(2, '0')}`, 'ACC-3')),
    });
    // Another tenant's customer must not show up in tenant A's dashboard.
    await onboard('CUS-OTHER', 'ACC-OTHER', 'Other Tenant', OTHER);

    stateBefore = await stateNow();
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (err) => pageErrors.push(String(err)));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !/status of 401/.test(msg.text())) pageErrors.push(msg.text());
    });
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(mock.url) || url.startsWith('data:')) return route.continue();
      outside.push(url);
      return route.abort();
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  beforeEach(() => {
    outside.length = 0;
    pageErrors.length = 0;
  });
  afterEach(() => {
    expect(outside, 'requests outside the mock').toEqual([]);
    expect(pageErrors, 'page errors').toEqual([]);
  });

  const text = (selector: string) => page.locator(selector).first().innerText();
  /** Opens an account's view by its address, and waits for that account's view (not the one before). */
  const openAccount = async (id: string) => {
    await page.goto(`${mock.url}/_mock/ui/#/accounts/${id}`);
    await page.locator('#account-id', { hasText: new RegExp(`^${id}$`) }).waitFor();
  };

  it('lists the tenant’s customers with their accounts, archived ones marked', async () => {
    await page.goto(`${mock.url}/_mock/ui/#/customers`);
    await page.fill('#admin-token', ADMIN);
    await page.fill('#tenant', TENANT);
    await page.click('#settings button[type=submit]');
    const rows = page.locator('#customers-table tbody tr');
    await rows.first().waitFor();
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-customer-id')))).toEqual([
      'CUS-1',
      'CUS-2',
      'CUS-3',
    ]);
    const acme = page.locator('#customers-table tr[data-customer-id="CUS-1"]');
    expect(await acme.innerText()).toContain('Acme Inc');
    expect(await acme.getAttribute('data-status')).toBe('ACTIVE');
    expect(await acme.locator('li[data-account-id="ACC-1"]').innerText()).toContain('Acme Inc main');
    const gone = page.locator('#customers-table tr[data-customer-id="CUS-2"]');
    expect(await gone.getAttribute('data-status')).toBe('ARCHIVED');
    expect(await gone.locator('li[data-account-id="ACC-2"]').getAttribute('data-status')).toBe('ARCHIVED');
    expect(await gone.locator('li[data-account-id="ACC-2"] .pill').innerText()).toBe('ARCHIVED');
    expect(await page.locator('#view').innerText()).not.toContain('CUS-OTHER');
    expect(await text('#view .pager')).toBe('3 in total');
    await page.screenshot({ path: `${ARTIFACTS}dashboard-customers.png`, fullPage: true });
  });

  it('opens an account: its customer, wallet with entries, aliases with windows, credits and events', async () => {
    await page.click('#customers-table li[data-account-id="ACC-1"] a.account-link');
    await page.locator('#events-table').waitFor();
    expect(await text('#account-id')).toBe('ACC-1');
    expect(await text('#customer-name')).toBe('Acme Inc');
    expect(await text('#customer-id')).toBe('CUS-1');
    expect(await text('#account-status')).toBe('ACTIVE');

    // Wallet: 100 topped up, 30 debited by the control API's "invoice".
    expect(await text('#wallet [data-field=balance] .card-value')).toBe('70');
    expect(await text('#wallet [data-field=holdAmount] .card-value')).toBe('0');
    expect(await text('#wallet [data-field=balance] .card-unit')).toBe('EUR');
    const entries = page.locator('#wallet-entries tbody tr');
    expect(await entries.count()).toBe(2);
    expect(await entries.nth(0).getAttribute('data-type')).toBe('DEBITED');
    expect(await entries.nth(0).locator('[data-field=amount]').innerText()).toBe('−30');
    expect(await entries.nth(0).locator('[data-field=closingBalance]').innerText()).toBe('70');
    expect(await entries.nth(0).innerText()).toContain('INV-W');
    expect(await entries.nth(1).getAttribute('data-type')).toBe('CREDITED');
    expect(await entries.nth(1).locator('[data-field=amount]').innerText()).toBe('+100');

    // Aliases with their windows; only the open one is in effect on 1 March 2025.
    const prod = page.locator('#aliases-table tr[data-alias="acme-prod"]');
    expect(await prod.getAttribute('data-effective-now')).toBe('true');
    expect(await prod.locator('[data-field=effectiveFrom]').innerText()).toBe('open');
    expect(await prod.locator('[data-field=effectiveUntil]').innerText()).toBe('open');
    const later = page.locator('#aliases-table tr[data-alias="acme-2026"]');
    expect(await later.getAttribute('data-effective-now')).toBe('false');
    expect(await later.locator('[data-field=effectiveFrom]').innerText()).toBe('2026-01-01 00:00:00Z');
    expect(await later.locator('[data-field=effectiveUntil]').innerText()).toBe('2026-06-01 00:00:00Z');
    expect(await later.innerText()).toContain('not in effect');

    // The credit beside them.
    expect(await page.locator('#credits-table tr.credit').count()).toBe(1);
    expect(await text('#credits-table tr.credit [data-field=creditAmount]')).toBe('250');
    expect(await text('#balance [data-field=activeCredits] .card-value')).toBe('250');

    // Events with their statuses, oldest first; e2 was sent by its alias.
    const events = page.locator('#events-table tbody tr');
    expect(
      await events.evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-event-id'), tr.dataset.status])),
    ).toEqual([
      ['e1', 'INGESTION_COMPLETED_NO_MATCHING_METERS'],
      ['e2', 'INGESTION_COMPLETED_NO_MATCHING_METERS'],
      ['e1', 'INGESTION_FAILED_DUPLICATE_EVENT'],
      ['e3', 'INGESTION_FAILED_PAST_GRACE_PERIOD'],
    ]);
    expect(await events.nth(1).locator('[data-field=sentAs]').innerText()).toBe('acme-prod');
    expect(await events.nth(2).locator('.pill').innerText()).toBe('INGESTION_FAILED_DUPLICATE_EVENT');
    expect(await events.nth(2).locator('.pill').getAttribute('class')).toContain('pill-failed');
    expect(await events.nth(2).locator('td[title]').getAttribute('title')).toMatch(/last 45 days/);
    expect(await page.locator('#events .pager').count()).toBe(0);

    // Only the failed ones of a status.
    await page.screenshot({ path: `${ARTIFACTS}dashboard-account-profile.png`, fullPage: true });

    await page.selectOption('#view select[name=eventStatus]', 'INGESTION_FAILED_PAST_GRACE_PERIOD');
    await page.locator('#events-table tbody tr[data-status="INGESTION_COMPLETED_NO_MATCHING_METERS"]').first().waitFor({
      state: 'detached',
    });
    expect(await events.count()).toBe(1);
    expect(await events.first().getAttribute('data-event-id')).toBe('e3');
    await page.selectOption('#view select[name=eventStatus]', '');
    await page.locator('#events-table tbody tr >> nth=3').waitFor();
  });

  it('pages an account’s events forward and back', async () => {
    await openAccount('ACC-3');
    const events = page.locator('#events-table tbody tr');
    await events.first().waitFor();
    expect(await events.count()).toBe(50);
    expect(await text('#events .pager span')).toBe('1–50');
    expect(await events.first().getAttribute('data-event-id')).toBe('b01');
    await page.click('#events .pager button:text("Next →")');
    await page.locator('#events .pager span', { hasText: '51–55' }).waitFor();
    expect(await events.count()).toBe(5);
    expect(await events.first().getAttribute('data-event-id')).toBe('b51');
    expect(await page.locator('#events .pager button:text("Next →")').isDisabled()).toBe(true);
    await page.click('#events .pager button:text("← Previous")');
    await page.locator('#events .pager span', { hasText: '1–50' }).waitFor();
    expect(await events.count()).toBe(50);
    // No wallet entries or aliases yet: said so.
    expect(await text('#view')).toContain('No entries');
    expect(await text('#view')).toContain('No aliases.');
  });

  it('shows an archived account as archived, and browsing changed no state', async () => {
    await openAccount('ACC-2');
    expect(await text('#account-status')).toBe('ARCHIVED');
    expect(await text('#account-profile')).toContain('ARCHIVED');
    await page.locator('#events .empty', { hasText: 'No events.' }).waitFor();
    expect(await stateNow()).toEqual(stateBefore);
  });
});
