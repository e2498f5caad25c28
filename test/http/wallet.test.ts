// An account's wallet through real HTTP: top-ups, entries with their closing
// balances, PATCH, the control API's debits and holds (and the library's
// helpers for them), ARCHIVED / DRAFT rules; then the whole directory across
// a snapshot, a restart from a state file and a reset. Self-check on.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestMock, type TestMock } from '../helpers/mock.js';

let mock: TestMock;
beforeAll(async () => {
  mock = await startTestMock();
});
beforeEach(async () => {
  await mock.reset();
  mock.setTime('2024-06-01T12:00:00Z');
});

async function onboard(m: TestMock, accountId = 'ACC1', extra: Record<string, unknown> = {}): Promise<void> {
  const r = await m.call('POST', '/customers', {
    body: {
      id: `CUS-${accountId}`,
      name: 'Acme Inc',
      primaryEmail: 'billing@acme.example',
      address: { line1: '1 Main St', country: 'US' },
      account: { id: accountId, name: 'Acme main', invoiceCurrency: 'EUR', ...extra },
    },
  });
  expect(r.status).toBe(201);
}

const topUp = (id: string, topupAmount: unknown) =>
  mock.call('POST', `/accounts/${id}/wallet_topup`, { body: { topupAmount } });

describe('top-ups and entries', () => {
  it('a top-up answers the wallet; entries list CREDITED / DEBITED with closing balances, paged', async () => {
    await onboard(mock);
    const r = await topUp('ACC1', 100);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      id: expect.stringMatching(/^wallet\.[0-9A-Za-z]{11}\.[0-9A-Za-z]{5}$/),
      accountId: 'ACC1',
      customerId: 'CUS-ACC1',
      balance: 100,
      creditUnit: 'EUR',
      status: 'ACTIVE',
      holdAmount: 0,
      effectiveFrom: '2024-06-01T12:00:00.000Z',
      createdAt: '2024-06-01T12:00:00.000Z',
      updatedAt: '2024-06-01T12:00:00.000Z',
    });
    await topUp('ACC1', 50.5);
    const debit = await mock.wallets.debit('ACC1', 30, { invoiceId: 'inv-1' });
    expect(debit).toMatchObject({ accountId: 'ACC1', requested: 30, amount: 30, unmet: 0, hold: false });
    const first = await mock.call('GET', '/accounts/ACC1/wallet/entries?pageSize=2');
    expect(first.status).toBe(200);
    expect(first.body.data.map((e: any) => [e.transactionType, e.status, e.amount, e.closingBalance])).toEqual([
      ['CREDITED', 'COMPLETED', 100, 100],
      ['CREDITED', 'COMPLETED', 50.5, 150.5],
    ]);
    expect(first.body.data[0].walletId).toBe(r.body.id);
    const rest = await mock.call(
      'GET',
      `/accounts/ACC1/wallet/entries?nextToken=${encodeURIComponent(first.body.nextToken)}`,
    );
    expect(rest.body.data).toEqual([
      expect.objectContaining({ id: debit.entryId, transactionType: 'DEBITED', amount: 30, closingBalance: 120.5 }),
    ]);
    expect(rest.body.nextToken).toBeUndefined();
    expect((await mock.call('GET', '/accounts/ACC1/wallet')).body.balance).toBe(120.5);
  });

  it('a top-up of 0 or less, of an INACTIVE wallet or of an ARCHIVED account is 400; unknown ids 404', async () => {
    await onboard(mock);
    expect((await topUp('ACC1', 0)).body).toEqual({ message: 'topupAmount must be greater than 0 (was 0)' });
    expect((await topUp('ACC1', -1)).status).toBe(400);
    const notNumber = await topUp('ACC1', 'ten');
    expect(notNumber.status).toBe(400);
    expect(notNumber.body.message).toMatch(/^topupAmount /);
    const patched = await mock.call('PATCH', '/accounts/ACC1/wallet', { body: { status: 'INACTIVE' } });
    expect(patched.status).toBe(200);
    expect(patched.body.status).toBe('INACTIVE');
    expect((await topUp('ACC1', 5)).body.message).toMatch(/INACTIVE/);
    await mock.call('PATCH', '/accounts/ACC1/wallet', {
      body: { status: 'ACTIVE', effectiveFrom: '2024-07-01T00:00:00Z' },
    });
    expect((await mock.call('GET', '/accounts/ACC1/wallet')).body.effectiveFrom).toBe('2024-07-01T00:00:00.000Z');
    await mock.call('DELETE', '/accounts/ACC1');
    expect((await topUp('ACC1', 5)).body.message).toMatch(/ARCHIVED/);
    expect((await mock.call('GET', '/accounts/ACC1/wallet')).status).toBe(200);
    expect((await mock.call('GET', '/accounts/NOPE/wallet')).status).toBe(404);
    expect((await mock.call('GET', '/accounts/NOPE/wallet/entries')).status).toBe(404);
    expect((await mock.call('PATCH', '/accounts/NOPE/wallet', { body: { status: 'ACTIVE' } })).status).toBe(404);
  });

  it('without --strict-accounts a top-up to an unknown account makes it (wallet in the default currency)', async () => {
    const r = await topUp('NEW1', 10);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ accountId: 'NEW1', customerId: 'NEW1', creditUnit: 'USD', balance: 10 });
  });
});

describe('control API debits and holds', () => {
  it('holds are ON_HOLD entries; settle completes them, release gives the amount back', async () => {
    await onboard(mock);
    await topUp('ACC1', 100);
    const held = await mock.wallets.hold('ACC1', 40, { invoiceId: 'inv-7' });
    expect(held).toMatchObject({ amount: 40, hold: true });
    let wallet = (await mock.call('GET', '/accounts/ACC1/wallet')).body;
    expect(wallet).toMatchObject({ balance: 60, holdAmount: 40 });
    let entries = (await mock.call('GET', '/accounts/ACC1/wallet/entries')).body.data;
    expect(entries.at(-1)).toMatchObject({
      id: held.entryId,
      transactionType: 'DEBITED',
      status: 'ON_HOLD',
      closingBalance: 60,
    });
    const released = await mock.wallets.releaseHolds('ACC1', { invoiceId: 'inv-7' });
    expect(released).toMatchObject({ total: 40, holds: [{ holdId: held.entryId, amount: 40 }] });
    wallet = (await mock.call('GET', '/accounts/ACC1/wallet')).body;
    expect(wallet).toMatchObject({ balance: 100, holdAmount: 0 });
    const second = await mock.wallets.hold('ACC1', 25);
    const settled = await mock.wallets.settleHolds('ACC1', { holdId: second.entryId! });
    expect(settled.total).toBe(25);
    entries = (await mock.call('GET', '/accounts/ACC1/wallet/entries')).body.data;
    expect(entries.map((e: any) => [e.transactionType, e.status, e.amount, e.closingBalance])).toEqual([
      ['CREDITED', 'COMPLETED', 100, 100],
      ['DEBITED', 'COMPLETED', 40, 60],
      ['CREDITED', 'COMPLETED', 40, 100],
      ['DEBITED', 'COMPLETED', 25, 75],
    ]);
    const more = await mock.wallets.debit('ACC1', 80);
    expect(more).toMatchObject({ amount: 75, unmet: 5 });
  });

  it('a DRAFT account is not drawn on (400); unknown accounts and holds are 404; a bad amount 400', async () => {
    await onboard(mock, 'ACC1', { status: 'DRAFT' });
    expect((await topUp('ACC1', 10)).status).toBe(200);
    const draft = await mock.call('POST', '/_mock/accounts/ACC1/wallet/debit', { body: { amount: 5 } });
    expect(draft.status).toBe(400);
    expect(draft.body.message).toMatch(/DRAFT/);
    await expect(mock.wallets.debit('NOPE', 5)).rejects.toMatchObject({ status: 404 });
    const zero = await mock.call('POST', '/_mock/accounts/ACC1/wallet/debit', { body: { amount: 0 } });
    expect(zero.status).toBe(400);
    const noHold = await mock.call('POST', '/_mock/accounts/ACC1/wallet/holds/settle', { body: { holdId: 'nope' } });
    expect(noHold.status).toBe(404);
  });
});

describe('the directory in snapshots, state files and reset', () => {
  async function populate(m: TestMock): Promise<void> {
    await onboard(m);
    await m.call('POST', '/accounts/ACC1/add_aliases', { body: { aliases: ['acme-prod'] } });
    await m.call('POST', '/accounts/ACC1/wallet_topup', { body: { topupAmount: 70 } });
    await m.wallets.hold('ACC1', 20, { invoiceId: 'inv-1' });
    await m.call('POST', '/customers/CUS-ACC1/contacts', { body: { name: 'Jo', email: 'jo@acme.example' } });
    await m.call('POST', '/credits', {
      body: {
        creditRequests: [
          { accountId: 'ACC1', purpose: 'welcome', effectiveFrom: '2024-01-01', priority: 1, creditAmount: 5 },
        ],
      },
    });
  }

  async function answers(m: TestMock): Promise<unknown> {
    const paths = [
      '/customers',
      '/customers/CUS-ACC1',
      '/accounts',
      '/accounts/ACC1?includeGroupDetails=true',
      '/accounts/ACC1/account_aliases',
      '/accounts/ACC1/wallet',
      '/accounts/ACC1/wallet/entries',
      '/credits?account_id=ACC1',
    ];
    return Promise.all(paths.map(async (p) => (await m.call('GET', p)).body));
  }

  it('export then import gives the same answers and the same next ids', async () => {
    await populate(mock);
    const before = await answers(mock);
    const exported = await mock.call('GET', '/_mock/state');
    expect(exported.body.tenants[0].directory.accounts[0].id).toBe('ACC1');
    await mock.reset();
    expect((await mock.call('GET', '/customers')).body.data).toEqual([]);
    const imported = await mock.call('PUT', '/_mock/state', { body: exported.body });
    expect(imported.status).toBeLessThan(300);
    expect(await answers(mock)).toEqual(before);
    const next = await mock.call('POST', '/customers', {
      body: { id: 'C2', name: 'Second', primaryEmail: 'c2@example.com', address: {} },
    });
    // Importing the same document again, the same change makes the same ids.
    await mock.call('PUT', '/_mock/state', { body: exported.body });
    const again = await mock.call('POST', '/customers', {
      body: { id: 'C2', name: 'Second', primaryEmail: 'c2@example.com', address: {} },
    });
    expect(again.body.togaiCustomerId).toBe(next.body.togaiCustomerId);
  });

  it('a snapshot of an older version (no directory) loads: its ledger accounts become Togai accounts', async () => {
    await mock.call('POST', '/_mock/accounts', { body: { accountId: 'OLD1', customerId: 'OLDC', currency: 'EUR' } });
    const exported = (await mock.call('GET', '/_mock/state')).body;
    for (const t of exported.tenants) delete t.directory;
    await mock.reset();
    expect((await mock.call('PUT', '/_mock/state', { body: exported })).status).toBeLessThan(300);
    expect((await mock.call('GET', '/accounts/OLD1')).body).toMatchObject({
      customerId: 'OLDC',
      invoiceCurrency: 'EUR',
    });
  });

  it('reset empties customers, accounts and wallets', async () => {
    await populate(mock);
    await mock.reset();
    expect((await mock.call('GET', '/customers')).body.data).toEqual([]);
    expect((await mock.call('GET', '/accounts')).body.data).toEqual([]);
    expect((await mock.call('GET', '/accounts/ACC1/wallet')).status).toBe(404);
  });

  describe('a restart from a state file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'togai-mock-directory-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('holds every customer, account, alias, wallet entry and contact', async () => {
      const file = join(dir, 'state.json');
      const first = await startTestMock({ stateFile: file, stateSnapshotEvery: 3 });
      first.setTime('2024-06-01T12:00:00Z');
      await populate(first);
      const before = await answers(first);
      await first.close();
      const second = await startTestMock({ stateFile: file });
      expect(await answers(second)).toEqual(before);
      await second.close();
    });
  });
});
