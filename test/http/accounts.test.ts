// Togai's account operations through real HTTP: create, list, get (with
// effectiveOn and includeGroupDetails), update, delete (archive), aliases and
// their windows, and how credits hang on accounts (customer and currency from
// the account, ARCHIVED refused, implicit accounts, --strict-accounts).
// The response self-check is on.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { creditRequest, startTestMock, type TestMock } from '../helpers/mock.js';

let mock: TestMock;
beforeAll(async () => {
  mock = await startTestMock();
});
beforeEach(async () => {
  await mock.reset();
  mock.setTime('2024-06-01T12:00:00Z');
});

const customer = (id: string) =>
  mock.call('POST', '/customers', {
    body: { id, name: `Customer ${id}`, primaryEmail: 'c@example.com', address: { country: 'DE' } },
  });
const account = (body: Record<string, unknown>) =>
  mock.call('POST', '/accounts', { body: { customerId: 'CUS1', name: 'Main account', ...body } });
const grant = (...reqs: Array<Record<string, unknown>>) =>
  mock.call('POST', '/credits', { body: { creditRequests: reqs } });

describe('createAccount and getAccount', () => {
  it('creates an account of a customer with its fields, 201; GET answers it', async () => {
    await customer('CUS1');
    const r = await account({
      id: 'ACC1',
      invoiceCurrency: 'INR',
      netTermDays: 15,
      primaryEmail: 'billing@example.com',
      metadata: { gstn: '22AAAAA0000A1Z5' },
      status: 'DRAFT',
    });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({
      id: 'ACC1',
      togaiAccountId: expect.stringMatching(/^account\.[0-9A-Za-z]{11}\.[0-9A-Za-z]{5}$/),
      togaiCustomerId: expect.stringMatching(/^customer\./),
      name: 'Main account',
      customerId: 'CUS1',
      invoiceCurrency: 'INR',
      aliases: [],
      netTermDays: 15,
      primaryEmail: 'billing@example.com',
      status: 'DRAFT',
      metadata: { gstn: '22AAAAA0000A1Z5' },
    });
    expect((await mock.call('GET', '/accounts/ACC1')).body).toEqual(r.body);
    const grouped = await mock.call('GET', '/accounts/ACC1?includeGroupDetails=true');
    expect(grouped.body.invoiceGroupDetails).toMatchObject({
      invoiceCurrency: 'INR',
      dailyInvoiceConsolidation: false,
    });
  });

  it('an unknown customer is 404, a taken id 409, a bad field 400 with its path', async () => {
    const none = await account({ id: 'ACC1' });
    expect(none.status).toBe(404);
    expect(none.body).toEqual({ message: 'customerId: customer CUS1 does not exist' });
    await customer('CUS1');
    expect((await account({ id: 'ACC1' })).status).toBe(201);
    const dup = await account({ id: 'ACC1' });
    expect(dup.status).toBe(409);
    expect(dup.body).toEqual({ message: 'Account ACC1 already exists' });
    const bad = await account({ id: 'ACC2', invoiceCurrency: 'EURO' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^invoiceCurrency /);
    expect((await mock.call('GET', '/accounts/NOPE')).status).toBe(404);
  });

  it('lists accounts by cursor, leaving archived ones out', async () => {
    await customer('CUS1');
    for (let i = 1; i <= 4; i++) await account({ id: `ACC${i}` });
    await mock.call('DELETE', '/accounts/ACC3');
    const first = await mock.call('GET', '/accounts?pageSize=2');
    expect(first.body.data.map((a: any) => a.id)).toEqual(['ACC1', 'ACC2']);
    const next = await mock.call('GET', `/accounts?nextToken=${encodeURIComponent(first.body.nextToken)}`);
    expect(next.body.data.map((a: any) => a.id)).toEqual(['ACC4']);
    expect(next.body.nextToken).toBeUndefined();
  });
});

describe('updateAccount and deleteAccount', () => {
  it('updates fields; the currency changes only while nothing is counted in it', async () => {
    await customer('CUS1');
    await account({ id: 'ACC1', invoiceCurrency: 'EUR' });
    const r = await mock.call('PATCH', '/accounts/ACC1', {
      body: { name: 'Renamed', invoiceCurrency: 'GBP', status: 'DRAFT' },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ name: 'Renamed', invoiceCurrency: 'GBP', status: 'DRAFT' });
    const credit = await grant(creditRequest({ accountId: 'ACC1' }));
    expect(credit.body.credits[0]).toMatchObject({ customerId: 'CUS1', creditUnit: 'GBP' });
    const refused = await mock.call('PATCH', '/accounts/ACC1', { body: { invoiceCurrency: 'USD' } });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/^invoiceCurrency: account ACC1 already holds credits/);
    expect((await mock.call('PATCH', '/accounts/NOPE', { body: { name: 'abc' } })).status).toBe(404);
  });

  it('delete archives: GET answers ARCHIVED, grants are 400, existing credits stay readable and voidable', async () => {
    await customer('CUS1');
    await account({ id: 'ACC1' });
    const credit = (await grant(creditRequest({ accountId: 'ACC1' }))).body.credits[0];
    expect((await mock.call('DELETE', '/accounts/ACC1')).body).toEqual({ success: true });
    expect((await mock.call('GET', '/accounts/ACC1')).body.status).toBe('ARCHIVED');
    const refused = await grant(creditRequest({ accountId: 'ACC1' }));
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      message: 'creditRequests[0].accountId: account ACC1 is ARCHIVED (deleted) and takes no credits',
    });
    expect((await mock.call('GET', `/credits/${credit.id}`)).status).toBe(200);
    expect((await mock.call('POST', `/credits/${credit.id}/void`)).body.status).toBe('VOIDED');
    expect((await mock.call('DELETE', '/accounts/ACC1')).status).toBe(404);
    expect((await account({ id: 'ACC1' })).status).toBe(409);
  });
});

describe('aliases', () => {
  it('adds, lists and soft-removes aliases; getAccount shows those effective on a given instant', async () => {
    await customer('CUS1');
    await account({ id: 'ACC1', aliases: ['acme-prod'] });
    const added = await mock.call('POST', '/accounts/ACC1/add_aliases', {
      body: { accountAliases: [{ value: 'acme-2025', effectiveFrom: '2025-01-01T00:00:00Z' }] },
    });
    expect(added.status).toBe(200);
    expect(added.body.aliases).toEqual([{ alias: 'acme-prod' }]);
    const later = await mock.call('GET', `/accounts/ACC1?effectiveOn=${encodeURIComponent('2025-02-01T00:00:00Z')}`);
    expect(later.body.aliases).toEqual([{ alias: 'acme-prod' }, { alias: 'acme-2025' }]);
    const listed = await mock.call('GET', '/accounts/ACC1/account_aliases');
    expect(listed.status).toBe(200);
    expect(listed.body.data).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        value: 'acme-prod',
        effectiveFrom: '0001-01-01T00:00:00.000Z',
        effectiveUntil: '9999-12-31T23:59:59.999Z',
        createdAt: '2024-06-01T12:00:00.000Z',
        updatedAt: '2024-06-01T12:00:00.000Z',
      },
      expect.objectContaining({ value: 'acme-2025', effectiveFrom: '2025-01-01T00:00:00.000Z' }),
    ]);
    const removed = await mock.call('POST', '/accounts/ACC1/remove_aliases', {
      body: { accountAliases: [{ id: listed.body.data[0].id, from: '2024-09-01T00:00:00Z' }] },
    });
    expect(removed.status).toBe(200);
    const after = await mock.call('GET', '/accounts/ACC1/account_aliases');
    expect(after.body.data[0]).toMatchObject({ value: 'acme-prod', effectiveUntil: '2024-09-01T00:00:00.000Z' });
    const sept = await mock.call('GET', `/accounts/ACC1?effectiveOn=${encodeURIComponent('2024-09-02T00:00:00Z')}`);
    expect(sept.body.aliases).toEqual([]);
    expect((await mock.call('GET', '/accounts/NOPE/account_aliases')).status).toBe(404);
  });

  it('an alias claimed by another account for an overlapping window is 400', async () => {
    await customer('CUS1');
    await account({ id: 'ACC1', aliases: ['shared-name'] });
    await account({ id: 'ACC2' });
    const r = await mock.call('POST', '/accounts/ACC2/add_aliases', { body: { aliases: ['shared-name'] } });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      message: 'aliases[0]: alias shared-name is already claimed by account ACC1 for an overlapping window',
    });
    const tooShort = await mock.call('POST', '/accounts/ACC2/add_aliases', { body: { aliases: ['ab'] } });
    expect(tooShort.status).toBe(400);
    expect(tooShort.body.message).toMatch(/^aliases\/0|^aliases\[0\]/);
    const unknown = await mock.call('POST', '/accounts/NOPE/add_aliases', { body: { aliases: ['abc'] } });
    expect(unknown.status).toBe(404);
  });
});

describe('credits hang on accounts', () => {
  it('a credit to an account takes its customerId and its invoiceCurrency', async () => {
    await customer('CUS1');
    await account({ id: 'ACC1', invoiceCurrency: 'JPY' });
    const r = await grant(creditRequest({ accountId: 'ACC1' }));
    expect(r.status).toBe(200);
    expect(r.body.credits[0]).toMatchObject({ accountId: 'ACC1', customerId: 'CUS1', creditUnit: 'JPY' });
    expect((await mock.call('GET', '/accounts/ACC1/credit_balance')).body.unit).toBe('JPY');
  });

  it('a DRAFT account takes credits', async () => {
    await customer('CUS1');
    await account({ id: 'ACC1', status: 'DRAFT' });
    expect((await grant(creditRequest({ accountId: 'ACC1' }))).status).toBe(200);
  });

  it('without --strict-accounts, a grant to an unknown account makes it, with a customer of the same id', async () => {
    expect((await grant(creditRequest({ accountId: 'NEW1' }))).status).toBe(200);
    const a = await mock.call('GET', '/accounts/NEW1');
    expect(a.body).toMatchObject({
      id: 'NEW1',
      customerId: 'NEW1',
      name: 'Account NEW1',
      invoiceCurrency: 'USD',
      status: 'ACTIVE',
    });
    expect((await mock.call('GET', '/customers/NEW1')).body).toMatchObject({ name: 'Customer NEW1', status: 'ACTIVE' });
  });

  it('a grant that fails makes no account, even implicitly', async () => {
    const r = await grant(creditRequest({ accountId: 'NEW1' }), creditRequest({ accountId: 'NEW2', creditAmount: -1 }));
    expect(r.status).toBe(400);
    expect((await mock.call('GET', '/accounts/NEW1')).status).toBe(404);
    expect((await mock.call('GET', '/customers/NEW1')).status).toBe(404);
  });

  it('an account made with the control API is a Togai account too, with an implicit customer', async () => {
    const made = await mock.call('POST', '/_mock/accounts', {
      body: { accountId: 'CTRL1', customerId: 'CUSX', currency: 'EUR' },
    });
    expect(made.status).toBe(201);
    expect((await mock.call('GET', '/accounts/CTRL1')).body).toMatchObject({
      customerId: 'CUSX',
      invoiceCurrency: 'EUR',
    });
    expect((await mock.call('GET', '/customers/CUSX')).status).toBe(200);
  });
});

describe('seeded accounts', () => {
  it('every account a seed makes is a Togai account of a customer, with its wallet', async () => {
    const seeded = await mock.call('POST', '/_mock/seed', { body: { seed: 5, accounts: 3, creditsPerAccount: 1 } });
    expect(seeded.status).toBe(200);
    const listed = await mock.call('GET', '/accounts');
    expect(listed.body.data.map((a: any) => a.id)).toEqual(seeded.body.accounts.map((a: any) => a.accountId));
    for (const a of seeded.body.accounts) {
      const got = (await mock.call('GET', `/accounts/${a.accountId}`)).body;
      expect(got).toMatchObject({ customerId: a.customerId, invoiceCurrency: a.currency, status: 'ACTIVE' });
      expect((await mock.call('GET', `/customers/${a.customerId}`)).status).toBe(200);
      expect((await mock.call('GET', `/accounts/${a.accountId}/wallet`)).body.creditUnit).toBe(a.currency);
    }
  });
});

describe('--strict-accounts', () => {
  let strict: TestMock;
  beforeAll(async () => {
    strict = await startTestMock({ strictAccounts: true });
  });

  it('an unknown account is 404 for grants and top-ups; one made through Togai API takes both', async () => {
    const g = await strict.call('POST', '/credits', {
      body: { creditRequests: [creditRequest({ accountId: 'NOPE' })] },
    });
    expect(g.status).toBe(404);
    const t = await strict.call('POST', '/accounts/NOPE/wallet_topup', { body: { topupAmount: 5 } });
    expect(t.status).toBe(404);
    expect((await strict.call('GET', '/accounts/NOPE')).status).toBe(404);
    await strict.call('POST', '/customers', {
      body: {
        id: 'C1',
        name: 'Cust one',
        primaryEmail: 'c@example.com',
        address: {},
        account: { id: 'A1', name: 'Acc one' },
      },
    });
    expect(
      (await strict.call('POST', '/credits', { body: { creditRequests: [creditRequest({ accountId: 'A1' })] } }))
        .status,
    ).toBe(200);
    expect((await strict.call('POST', '/accounts/A1/wallet_topup', { body: { topupAmount: 5 } })).status).toBe(200);
  });
});
