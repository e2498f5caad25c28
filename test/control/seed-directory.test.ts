// Seed and fixtures beyond credits: customers (with contacts), accounts
// (with aliases), wallets and events, as the Togai API then serves them;
// seeding is the same for the same seed (across processes and a restart
// from the log), fixtures are checked entry by entry with field paths and
// load all or nothing, and a reset empties all of it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { startTogaiMock } from '../../src/index.js';
import { startTestMock, type TestMock } from '../helpers/mock.js';

let a: TestMock;
let b: TestMock;
beforeAll(async () => {
  [a, b] = await Promise.all([startTestMock(), startTestMock()]);
});

const NOW = '2024-06-01T00:00:00Z';
const freeze = (m: TestMock) => m.call('PUT', '/_mock/clock', { body: { now: NOW } });
const seedBody = { seed: 42, accounts: 6, creditsPerAccount: 2, topUpsPerAccount: 2, eventsPerAccount: 3 };

async function all(m: TestMock, path: string): Promise<any[]> {
  const out: any[] = [];
  let token: string | undefined;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const r = await m.call('GET', `${path}${token ? `${sep}nextToken=${encodeURIComponent(token)}` : ''}`);
    expect(r.status).toBe(200);
    out.push(...(r.body.data ?? r.body.events));
    token = r.body.nextToken;
  } while (token);
  return out;
}

describe('POST /_mock/seed: the whole tenant', () => {
  it('makes customers with their accounts, wallets, credits in their currency and completed events', async () => {
    await a.call('POST', '/_mock/reset');
    await freeze(a);
    const r = await a.call('POST', '/_mock/seed', { body: seedBody });
    expect(r.status).toBe(200);
    expect(r.body.accounts).toHaveLength(6);
    expect(r.body.credits).toHaveLength(12);
    expect(r.body.walletTopUps).toBe(12);
    expect(r.body.events).toHaveLength(18);
    for (const e of r.body.events) expect(e.status).toBe('INGESTION_COMPLETED_NO_MATCHING_METERS');

    const customers = await all(a, '/customers');
    expect(customers.map((c) => c.id)).toEqual(r.body.customers.map((c: any) => c.customerId));
    // Every seeded account belongs to one seeded customer.
    expect(r.body.customers.flatMap((c: any) => c.accountIds).sort()).toEqual(
      r.body.accounts.map((x: any) => x.accountId).sort(),
    );
    for (const c of customers) {
      expect(c.name.length).toBeGreaterThanOrEqual(3);
      expect(c.primaryEmail).toMatch(/^billing@[a-z0-9-]+\.example$/);
      expect(c.address).toMatchObject({ line1: expect.any(String), city: expect.any(String) });
      expect(c.address.country).toMatch(/^[A-Z]{2}$/);
      expect(c.status).toBe('ACTIVE');
    }

    const accounts = await all(a, '/accounts');
    expect(accounts.map((x) => x.id).sort()).toEqual(r.body.accounts.map((x: any) => x.accountId).sort());
    let aliased = 0;
    for (const account of accounts) {
      const owner = r.body.customers.find((c: any) => c.accountIds.includes(account.id));
      expect(owner).toBeDefined();
      // The account's credits carry its customer and currency.
      const credits = (await a.call('GET', `/credits?account_id=${account.id}&pageSize=50`)).body.data;
      expect(credits).toHaveLength(2);
      for (const c of credits) {
        expect(c.customerId).toBe(owner.customerId);
        expect(c.creditUnit).toBe(account.invoiceCurrency);
      }
      // The wallet's balance is its two top-ups, in its currency.
      const wallet = (await a.call('GET', `/accounts/${account.id}/wallet`)).body;
      const entries = (await a.call('GET', `/accounts/${account.id}/wallet/entries`)).body.data;
      expect(entries).toHaveLength(2);
      expect(wallet.creditUnit).toBe(account.invoiceCurrency);
      expect(wallet.balance).toBe(entries.reduce((sum: number, e: any) => sum + e.amount, 0));
      expect(wallet.balance).toBeGreaterThan(0);
      // Its events are listed under it, also those sent by its alias.
      const events = await all(a, `/events?account_id=${account.id}`);
      expect(events).toHaveLength(3);
      const aliases = (account.aliases ?? []).map((x: any) => x.alias);
      for (const e of events) {
        expect(e.eventPayload.accountId === account.id || aliases.includes(e.eventPayload.accountId)).toBe(true);
        if (e.eventPayload.accountId !== account.id) aliased++;
      }
    }
    expect(aliased).toBeGreaterThan(0);
  });

  it('is the same for the same seed in two processes and after a restart from the log', async () => {
    await Promise.all([a.call('POST', '/_mock/reset'), b.call('POST', '/_mock/reset')]);
    await Promise.all([freeze(a), freeze(b)]);
    const [ra, rb] = await Promise.all([
      a.call('POST', '/_mock/seed', { body: seedBody }),
      b.call('POST', '/_mock/seed', { body: seedBody }),
    ]);
    expect(rb.body).toEqual(ra.body);
    const [sa, sb] = await Promise.all([a.call('GET', '/_mock/state'), b.call('GET', '/_mock/state')]);
    expect(sb.body.tenants).toEqual(sa.body.tenants);
    expect(sa.body.tenants[0].directory.customers.length).toBeGreaterThan(0);
    expect(sa.body.tenants[0].events.events).toHaveLength(18);

    // Replayed from a state file's log: the same customers, ids, wallets and events.
    const file = join(mkdtempSync(join(tmpdir(), 'togai-mock-seed-')), 'state.json');
    const first = await startTogaiMock({ stateFile: file });
    const get = async (url: string, path: string, init?: RequestInit): Promise<any> =>
      (await fetch(`${url}${path}`, init)).json();
    const post = (path: string, body: unknown) => ({
      method: path.startsWith('/_mock/clock') ? 'PUT' : 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await get(first.url, '/_mock/clock', post('/_mock/clock', { now: NOW }));
    const seeded = await get(first.url, '/_mock/seed', post('/_mock/seed', seedBody));
    expect(seeded).toEqual(ra.body);
    const before = await get(first.url, '/_mock/state');
    await first.close();
    const second = await startTogaiMock({ stateFile: file });
    try {
      expect((await get(second.url, '/_mock/state')).tenants).toEqual(before.tenants);
      expect(before.tenants).toEqual(sa.body.tenants);
    } finally {
      await second.close();
    }
  });

  it('with no wallets or events asked for, makes none', async () => {
    await a.call('POST', '/_mock/reset');
    const r = await a.call('POST', '/_mock/seed', {
      body: { seed: 3, accounts: 2, creditsPerAccount: 1, topUpsPerAccount: 0, eventsPerAccount: 0 },
    });
    expect(r.status).toBe(200);
    expect(r.body.walletTopUps).toBe(0);
    expect(r.body.events).toBeUndefined();
    expect(await all(a, '/events')).toEqual([]);
    const bad = await a.call('POST', '/_mock/seed', { body: { eventsPerAccount: 101 } });
    expect(bad).toMatchObject({ status: 400, body: { message: 'eventsPerAccount must be <= 100' } });
  });
});

const onboarding = {
  customers: [
    {
      id: 'CUS-FX',
      name: 'Fixture Corp',
      primaryEmail: 'billing@fixture.example',
      address: { line1: '1 Main St', city: 'Springfield', country: 'US' },
      account: { id: 'ACC-FX-EU', name: 'Fixture EU', invoiceCurrency: 'EUR' },
      contacts: [{ name: 'Jane Doe', email: 'jane@fixture.example', password: 'hunter2hunter2', loginAccess: true }],
    },
  ],
  accounts: [
    { id: 'ACC-FX-US', name: 'Fixture US', customerId: 'CUS-FX', invoiceCurrency: 'USD', aliases: ['fixture-us'] },
    { accountId: 'LEDGER-ONLY', currency: 'GBP' },
  ],
  credits: [{ accountId: 'ACC-FX-EU', purpose: 'WELCOME', effectiveFrom: '2024-01-01', creditAmount: 25, priority: 1 }],
  wallets: [{ accountId: 'ACC-FX-US', topUps: [100, 50.5] }],
  events: [
    // Long before the grace period: fixtures describe usage that happened.
    {
      id: 'ev-1',
      schemaName: 'api_calls',
      timestamp: '2023-01-01T00:00:00Z',
      accountId: 'fixture-us',
      attributes: [{ name: 'calls', value: '3' }],
      dimensions: {},
    },
    {
      id: 'ev-2',
      schemaName: 'api_calls',
      timestamp: '2024-05-31T00:00:00Z',
      accountId: 'ACC-FX-EU',
      attributes: [],
      dimensions: { region: 'eu' },
    },
  ],
};

describe('POST /_mock/fixtures: the whole tenant', () => {
  it('loads customers with contacts, accounts with aliases, credits, wallets and events', async () => {
    await a.call('POST', '/_mock/reset');
    await freeze(a);
    const r = await a.call('POST', '/_mock/fixtures', { body: onboarding });
    expect(r.status).toBe(200);
    expect(r.body.customers).toEqual([
      expect.objectContaining({ customerId: 'CUS-FX', accountIds: ['ACC-FX-EU', 'ACC-FX-US'] }),
    ]);
    expect(r.body.accounts.map((x: any) => x.accountId)).toEqual(['ACC-FX-EU', 'ACC-FX-US', 'LEDGER-ONLY']);
    expect(r.body.walletTopUps).toBe(2);
    expect(r.body.events.map((e: any) => e.status)).toEqual([
      'INGESTION_COMPLETED_NO_MATCHING_METERS',
      'INGESTION_COMPLETED_NO_MATCHING_METERS',
    ]);
    expect(r.body.credits[0]).toMatchObject({ customerId: 'CUS-FX', creditUnit: 'EUR' });

    expect((await a.call('GET', '/customers/CUS-FX')).body).toMatchObject({ name: 'Fixture Corp', status: 'ACTIVE' });
    const us = (await a.call('GET', '/accounts/ACC-FX-US')).body;
    expect(us).toMatchObject({ customerId: 'CUS-FX', invoiceCurrency: 'USD' });
    expect(JSON.stringify(us.aliases)).toContain('fixture-us');
    expect((await a.call('GET', '/accounts/ACC-FX-US/wallet')).body.balance).toBe(150.5);
    expect((await a.call('GET', '/accounts/LEDGER-ONLY')).body).toMatchObject({ invoiceCurrency: 'GBP' });
    const events = await all(a, '/events?account_id=ACC-FX-US');
    expect(events.map((e) => e.eventPayload.id)).toEqual(['ev-1']);
    // The contact's password is kept only as a salted hash.
    const state = JSON.stringify((await a.call('GET', '/_mock/state')).body);
    expect(state).toContain('jane@fixture.example');
    expect(state).not.toContain('hunter2hunter2');
  });

  it('checks every entry against its Togai schema, names the field, and stores nothing', async () => {
    await a.call('POST', '/_mock/reset');
    await freeze(a);
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [
        { customers: [{ ...onboarding.customers[0], address: { city: 7 } }] },
        400,
        'customers[0].address.city must be string',
      ],
      [
        {
          customers: [
            { ...onboarding.customers[0], contacts: [{ name: 'J', email: 'not-an-email' }], account: undefined },
          ],
        },
        400,
        'customers[0].contacts[0].email',
      ],
      [{ ...onboarding, accounts: [{ id: 'X1', name: 'Xy', customerId: 'CUS-FX' }] }, 400, 'accounts[0].name must'],
      [{ ...onboarding, accounts: [{ accountId: 'L', currency: 5 }] }, 400, 'accounts[0].currency must be string'],
      [
        { ...onboarding, events: [onboarding.events[0], { ...onboarding.events[1], timestamp: 'yesterday' }] },
        400,
        'events[1].timestamp must',
      ],
      [{ ...onboarding, wallets: [{ accountId: 'ACC-FX-US', topUps: [0] }] }, 400, 'wallets[0].topUps[0] must be > 0'],
      [
        { ...onboarding, events: [{ ...onboarding.events[0], accountId: 'nobody' }] },
        400,
        'events[0].accountId: nobody is no open account, nor an alias of one at 2023-01-01T00:00:00Z',
      ],
      [
        { ...onboarding, events: [onboarding.events[0], onboarding.events[0]] },
        400,
        'events[1].id: event ev-1 is ingested already (within 45 days)',
      ],
      [
        { ...onboarding, accounts: [{ id: 'ACC-FX-EU', name: 'Again', customerId: 'CUS-FX' }] },
        409,
        'accounts[0]: Account ACC-FX-EU already exists',
      ],
      [
        { ...onboarding, accounts: [{ id: 'X1', name: 'Nobody s', customerId: 'NOPE' }] },
        404,
        'accounts[0]: customerId: customer NOPE does not exist',
      ],
      [
        {
          customers: [
            { ...onboarding.customers[0], contacts: [{ name: 'J', email: 'j@x.example', password: 'p'.repeat(101) }] },
          ],
        },
        400,
        'customers[0].contacts[0].password must be at most 100 characters',
      ],
    ];
    for (const [body, status, message] of cases) {
      const r = await a.call('POST', '/_mock/fixtures', { body });
      expect(r.status, message).toBe(status);
      expect(r.body.message).toContain(message);
      expect(r.body.message, message).not.toContain('p'.repeat(101));
    }
    // Nothing of any of them was stored.
    expect(await all(a, '/customers')).toEqual([]);
    expect(await all(a, '/accounts')).toEqual([]);
    expect(await all(a, '/events')).toEqual([]);
    const [tenant] = (await a.call('GET', '/_mock/state')).body.tenants;
    expect(tenant.ledger.accounts).toEqual([]);
    expect(tenant.directory.customers).toEqual([]);
    expect(tenant.events).toBeUndefined();
  });

  it('with --strict-accounts, a wallet of an unknown account is a 404', async () => {
    const strict = await startTestMock({ strictAccounts: true });
    try {
      const r = await strict.call('POST', '/_mock/fixtures', {
        body: { wallets: [{ accountId: 'GHOST', topUps: [1] }] },
      });
      expect(r).toMatchObject({
        status: 404,
        body: { message: 'wallets[0]: accountId: account GHOST does not exist' },
      });
      const ok = await strict.call('POST', '/_mock/fixtures', {
        body: { customers: onboarding.customers, wallets: [{ accountId: 'ACC-FX-EU', topUps: [1] }] },
      });
      expect(ok.status).toBe(200);
    } finally {
      await strict.close();
    }
  });

  it('loads the same document from TOGAI_MOCK_FIXTURES at start-up, without the password in the log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'togai-mock-fixtures-'));
    const file = join(dir, 'fixtures.json');
    writeFileSync(file, JSON.stringify(onboarding));
    const m = await startTogaiMock({ fixturesFile: file });
    try {
      const get = async (path: string) =>
        (await fetch(`${m.url}${path}`, { headers: { authorization: 'Bearer test-token' } })).json();
      expect(await get('/customers/CUS-FX')).toMatchObject({ id: 'CUS-FX', name: 'Fixture Corp' });
      expect(await get('/accounts/ACC-FX-US/wallet')).toMatchObject({ balance: 150.5 });
      expect(JSON.stringify(await get('/_mock/state'))).not.toContain('hunter2hunter2');
    } finally {
      await m.close();
    }
  });
});

describe('POST /_mock/reset', () => {
  it('empties customers, accounts, wallets, credits and events', async () => {
    await a.call('POST', '/_mock/reset');
    await a.call('POST', '/_mock/seed', { body: seedBody });
    await a.call('POST', '/_mock/fixtures', { body: onboarding });
    expect((await all(a, '/customers')).length).toBeGreaterThan(1);
    expect((await all(a, '/events')).length).toBeGreaterThan(2);
    expect((await a.call('POST', '/_mock/reset')).status).toBe(204);
    expect(await all(a, '/customers')).toEqual([]);
    expect(await all(a, '/accounts')).toEqual([]);
    expect(await all(a, '/events')).toEqual([]);
    expect((await a.call('GET', '/credits?pageSize=50')).body.data).toEqual([]);
    expect((await a.call('GET', '/accounts/ACC-FX-US/wallet')).status).toBe(404);
    expect((await a.call('GET', '/customers/CUS-FX')).status).toBe(404);
    expect((await a.call('GET', '/events/ev-1')).status).toBe(404);
    // The same fixtures load again: nothing of the old ids is left taken.
    expect((await a.call('POST', '/_mock/fixtures', { body: onboarding })).status).toBe(200);
  });
});
