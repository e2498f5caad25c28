// POST /_mock/provider-states: every state of the vocabulary, over HTTP, and
// that teardown leaves the ledger, the directory and the events as they were
// before setup.

import { beforeEach, describe, expect, it } from 'vitest';
import { apiStateDriver } from '../../src/contract/states.js';
import { startTestMock } from '../helpers/mock.js';

const mock = await startTestMock();

const state = (s: string, params: Record<string, unknown>, action: 'setup' | 'teardown' = 'setup') =>
  mock.call('POST', '/_mock/provider-states', { body: { state: s, params, action } });

beforeEach(async () => {
  await mock.reset();
  mock.setTime('2025-06-01T12:00:00Z');
});

describe('provider states', () => {
  it('an account exists: creates the account, teardown removes it', async () => {
    const r = await state('an account exists', { accountId: 'ACC-PS1' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ accountId: 'ACC-PS1' });
    expect(mock.runtime.store.peek('shared').ledger.getAccount('ACC-PS1')).toBeDefined();
    expect((await state('an account exists', { accountId: 'ACC-PS1' }, 'teardown')).status).toBe(200);
    expect(mock.runtime.store.peek('shared').ledger.getAccount('ACC-PS1')).toBeUndefined();
  });

  it('an account has an active credit: the credit carries the requested id and params', async () => {
    const r = await state('an account has an active credit', {
      accountId: 'ACC-PS2',
      creditId: 'cred.providerSt.00001',
      creditAmount: 250,
      priority: 3,
      effectiveUntil: '2026-01-31',
    });
    expect(r.body).toEqual({ accountId: 'ACC-PS2', creditId: 'cred.providerSt.00001' });
    const credit = await mock.call('GET', '/credits/cred.providerSt.00001');
    expect(credit.status).toBe(200);
    expect(credit.body).toMatchObject({
      id: 'cred.providerSt.00001',
      accountId: 'ACC-PS2',
      status: 'ACTIVE',
      creditAmount: 250,
      priority: 3,
      effectiveFrom: '2025-06-01',
      effectiveUntil: '2026-01-31',
    });
    const balance = await mock.call('GET', '/accounts/ACC-PS2/credit_balance');
    expect(balance.body.availableBalance).toBe(250);
  });

  it('teardown also removes what the interaction did to state-made data', async () => {
    const params = { accountId: 'ACC-PS3', creditId: 'cred.providerSt.00003' };
    await state('an account has an active credit', params);
    expect((await mock.call('POST', '/credits/cred.providerSt.00003/void')).status).toBe(200);
    await state('an account has an active credit', params, 'teardown');
    expect((await mock.call('GET', '/credits/cred.providerSt.00003')).status).toBe(404);
    // The same state can be set up again: the id is free once more.
    expect((await state('an account has an active credit', params)).status).toBe(200);
  });

  it('stacked states torn down in setup order (as Pact does) leave nothing behind', async () => {
    const before = JSON.stringify(mock.runtime.store.peek('shared').ledger.snapshot());
    const credit = { accountId: 'ACC-PS10', creditId: 'cred.providerSt.00010', creditAmount: 1000 };
    const consumed = { accountId: 'ACC-PS10', amount: 200 };
    await state('an account has an active credit', credit);
    await state('an account has consumed credits', consumed);
    const balance = await mock.call('GET', '/accounts/ACC-PS10/credit_balance');
    expect(balance.body).toMatchObject({ activeCredits: 1000, availableBalance: 800 });
    await state('an account has an active credit', credit, 'teardown');
    await state('an account has consumed credits', consumed, 'teardown');
    expect(JSON.stringify(mock.runtime.store.peek('shared').ledger.snapshot())).toBe(before);
    expect((await state('an account has an active credit', credit)).status).toBe(200);
  });

  it('a credit is voided', async () => {
    await state('a credit is voided', { accountId: 'ACC-PS4', creditId: 'cred.providerSt.00004' });
    const credit = await mock.call('GET', '/credits/cred.providerSt.00004');
    expect(credit.body.status).toBe('VOIDED');
    expect(credit.body.transactions.map((t: { transactionType: string }) => t.transactionType)).toEqual([
      'CREDITED',
      'VOIDED',
    ]);
  });

  it('an account has consumed credits: draws from existing credits, tops up when short, teardown restores', async () => {
    const ledger = () => mock.runtime.store.peek('shared').ledger;
    await mock.call('POST', '/credits', {
      body: {
        creditRequests: [
          { accountId: 'ACC-PS5', purpose: 'P', effectiveFrom: '2025-01-01', creditAmount: 100, priority: 1 },
        ],
      },
    });
    const before = JSON.stringify(ledger().snapshot());
    const r = await state('an account has consumed credits', { accountId: 'ACC-PS5', amount: 150 });
    expect(r.status).toBe(200);
    // Both the granted 100 and the 50 topped up are spent, hence CONSUMED.
    const list = await mock.call('GET', '/credits?account_id=ACC-PS5');
    expect(list.body.data.map((c: { consumedAmount: number; status: string }) => [c.consumedAmount, c.status])).toEqual(
      [
        [100, 'CONSUMED'],
        [50, 'CONSUMED'],
      ],
    );
    await state('an account has consumed credits', { accountId: 'ACC-PS5', amount: 150 }, 'teardown');
    expect(JSON.stringify(ledger().snapshot())).toBe(before);
  });

  it('no credit exists: removes a credit with that id, teardown brings it back', async () => {
    const granted = await mock.call('POST', '/credits', {
      body: { creditRequests: [{ accountId: 'ACC-PS6', purpose: 'P', effectiveFrom: '2025-01-01', priority: 1 }] },
    });
    const id = granted.body.credits[0].id as string;
    await state('no credit exists', { creditId: id });
    expect((await mock.call('GET', `/credits/${id}`)).status).toBe(404);
    await state('no credit exists', { creditId: id }, 'teardown');
    expect((await mock.call('GET', `/credits/${id}`)).status).toBe(200);
  });

  it("an account exists: the account answers through Togai's API, and teardown removes it there too", async () => {
    expect((await state('an account exists', { accountId: 'ACC-PS11', customerId: 'CUS-PS11' })).status).toBe(200);
    const account = await mock.call('GET', '/accounts/ACC-PS11');
    expect(account.status).toBe(200);
    expect(account.body).toMatchObject({ id: 'ACC-PS11', customerId: 'CUS-PS11', status: 'ACTIVE' });
    expect((await mock.call('GET', '/customers/CUS-PS11')).status).toBe(200);
    await state('an account exists', { accountId: 'ACC-PS11', customerId: 'CUS-PS11' }, 'teardown');
    expect((await mock.call('GET', '/accounts/ACC-PS11')).status).toBe(404);
    expect((await mock.call('GET', '/customers/CUS-PS11')).status).toBe(404);
    expect((await mock.call('GET', '/accounts')).body.data).toEqual([]);
  });

  it('a customer exists, with an account: what the interaction made under it goes on teardown', async () => {
    const r = await state('a customer exists', {
      customerId: 'CUS-PS12',
      accountId: 'ACC-PS12',
      invoiceCurrency: 'EUR',
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ customerId: 'CUS-PS12', accountId: 'ACC-PS12', togaiCustomerId: expect.any(String) });
    const customer = await mock.call('GET', '/customers/CUS-PS12');
    expect(customer.body).toMatchObject({ id: 'CUS-PS12', togaiCustomerId: r.body.togaiCustomerId, status: 'ACTIVE' });
    expect((await mock.call('GET', '/accounts/ACC-PS12')).body).toMatchObject({ invoiceCurrency: 'EUR' });
    // The interaction: a second account of the customer.
    const made = await mock.call('POST', '/accounts', {
      body: { id: 'ACC-PS12B', name: 'Second account', customerId: 'CUS-PS12', invoiceCurrency: 'EUR' },
    });
    expect(made.status).toBe(201);
    // Taken through a state file (snapshot) and back: the pending teardown survives it.
    const exported = await mock.call('GET', '/_mock/state');
    expect((await mock.call('PUT', '/_mock/state', { body: exported.body })).status).toBe(204);
    await state(
      'a customer exists',
      { customerId: 'CUS-PS12', accountId: 'ACC-PS12', invoiceCurrency: 'EUR' },
      'teardown',
    );
    for (const path of ['/customers/CUS-PS12', '/accounts/ACC-PS12', '/accounts/ACC-PS12B']) {
      expect((await mock.call('GET', path)).status).toBe(404);
    }
    expect(mock.runtime.store.peek('shared').ledger.getAccount('ACC-PS12B')).toBeUndefined();
  });

  it('an account has a wallet balance: the wallet and its entry answer it; teardown takes both away', async () => {
    const r = await state('an account has a wallet balance', { accountId: 'ACC-PS13', balance: 300 });
    expect(r.body).toEqual({ accountId: 'ACC-PS13', balance: 300 });
    expect((await mock.call('GET', '/accounts/ACC-PS13/wallet')).body).toMatchObject({ balance: 300 });
    const entries = await mock.call('GET', '/accounts/ACC-PS13/wallet/entries');
    expect(entries.body.data).toMatchObject([{ transactionType: 'CREDITED', amount: 300, closingBalance: 300 }]);
    await state('an account has a wallet balance', { accountId: 'ACC-PS13', balance: 300 }, 'teardown');
    expect((await mock.call('GET', '/accounts/ACC-PS13/wallet')).status).toBe(404);
  });

  it('an event was ingested: fetched and listed; teardown takes it (and events sent since) away', async () => {
    const params = { accountId: 'ACC-PS14', eventId: 'ev-ps-14', schemaName: 'rides' };
    expect((await state('an event was ingested', params)).body).toEqual(params);
    const one = await mock.call('GET', '/events/ev-ps-14');
    expect(one.status).toBe(200);
    const listed = await mock.call('GET', '/events?account_id=ACC-PS14');
    expect(listed.body.events).toHaveLength(1);
    // The interaction sends the same id again: a duplicate, kept as failed.
    const again = await mock.call('POST', '/ingest', {
      body: {
        event: {
          id: 'ev-ps-14',
          accountId: 'ACC-PS14',
          schemaName: 'rides',
          timestamp: '2025-06-01T11:00:00Z',
          attributes: [],
          dimensions: {},
        },
      },
    });
    expect(again.status).toBe(202);
    await state('an event was ingested', params, 'teardown');
    expect((await mock.call('GET', '/events/ev-ps-14')).status).toBe(404);
    expect(mock.runtime.store.peek('shared').events.size).toBe(0);
    // The same state again: the event completes again.
    expect((await state('an event was ingested', params)).status).toBe(200);
    const duplicate = await state('an event was ingested', { ...params, schemaName: 'other' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.message).toContain('INGESTION_FAILED_DUPLICATE_EVENT');
  });

  it('rejects unknown states, missing params, unknown params and taken ids, changing nothing', async () => {
    const unknown = await state('a customer is happy', {});
    expect((await state('an event was ingested', { accountId: 'ACC-PS15' })).body.message).toBe(
      "provider state 'an event was ingested' needs params.eventId",
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toContain('state must be one of');
    const missing = await state('an account has an active credit', { accountId: 'ACC-PS7' });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toBe("provider state 'an account has an active credit' needs params.creditId");
    const typo = await state('an account exists', { acountId: 'ACC-PS7' });
    expect(typo.status).toBe(400);
    expect(typo.body.message).toContain('acountId');
    await state('an account has an active credit', { accountId: 'ACC-PS7', creditId: 'cred.providerSt.00007' });
    const taken = await state('a credit is voided', { accountId: 'ACC-PS8', creditId: 'cred.providerSt.00007' });
    expect(taken.status).toBe(409);
    expect(taken.body.message).toContain('cred.providerSt.00007 already exists');
    // The failed setup left nothing behind (no ACC-PS8 account).
    expect(mock.runtime.store.peek('shared').ledger.getAccount('ACC-PS8')).toBeUndefined();
    const expired = await state('an account has an active credit', {
      accountId: 'ACC-PS9',
      creditId: 'cred.providerSt.00009',
      effectiveFrom: '2024-01-01',
      effectiveUntil: '2024-02-01',
    });
    expect(expired.status).toBe(400);
    expect(mock.runtime.store.peek('shared').ledger.has('cred.providerSt.00009')).toBe(false);
  });
});

// The mock stands in for a real Togai here: the driver uses only Togai's public API.
describe('provider states on a real Togai (the API driver)', () => {
  const driver = () => apiStateDriver({ baseUrl: mock.url, token: 'sandbox-token' });

  it('makes customers and accounts through the API, keeps them for the run and deletes them at its end', async () => {
    const d = driver();
    const values = await d.setup('a customer exists', { customerId: 'CUS-API', accountId: 'ACC-API' });
    expect(values).toEqual({ customerId: 'CUS-API', accountId: 'ACC-API', togaiCustomerId: expect.any(String) });
    await d.teardown('a customer exists', { customerId: 'CUS-API', accountId: 'ACC-API' });
    // Still there for the next interaction's state: Togai's deletion is for ever.
    expect((await mock.call('GET', '/accounts/ACC-API')).body).toMatchObject({
      customerId: 'CUS-API',
      status: 'ACTIVE',
    });
    expect(await d.setup('an account has a wallet balance', { accountId: 'ACC-API', balance: 70 })).toEqual({
      accountId: 'ACC-API',
      balance: 70,
    });
    expect((await mock.call('GET', '/accounts/ACC-API/wallet')).body.balance).toBe(70);
    await d.finish!();
    expect((await mock.call('GET', '/accounts/ACC-API')).body.status).toBe('ARCHIVED');
    expect((await mock.call('GET', '/customers/CUS-API')).body.status).toBe('ARCHIVED');
  });

  it('gives an archived account a fresh id, handed back for the pact', async () => {
    const d = driver();
    await d.setup('an account exists', { accountId: 'ACC-GONE' });
    expect((await mock.call('DELETE', '/accounts/ACC-GONE')).status).toBe(200); // the interaction
    const again = await d.setup('an account exists', { accountId: 'ACC-GONE' });
    expect(again.accountId).toMatch(/^ACC-GONE-\w+$/);
    expect((await mock.call('GET', `/accounts/${again.accountId}`)).body.status).toBe('ACTIVE');
    // The same fresh id for the rest of the run.
    expect(await d.setup('an account exists', { accountId: 'ACC-GONE' })).toEqual(again);
  });

  it('ingests the state event and undoes it on teardown, freeing its id', async () => {
    const d = driver();
    const params = { accountId: 'ACC-EV', eventId: 'ev-api-1' };
    expect(await d.setup('an event was ingested', params)).toEqual({ ...params, schemaName: 'provider_state' });
    const stored = await mock.call('GET', '/events/ev-api-1');
    expect(stored.body.events[0].ingestionStatus.status).toBe('INGESTION_COMPLETED_NO_MATCHING_METERS');
    await d.teardown('an event was ingested', params);
    expect((await mock.call('GET', '/events/ev-api-1')).body.events[0].ingestionStatus.status).toBe('REVERTED');
    await d.setup('an event was ingested', params);
    expect((await mock.call('GET', '/events/ev-api-1')).body.events[0].ingestionStatus.status).toBe(
      'INGESTION_COMPLETED_NO_MATCHING_METERS',
    );
  });
});
