// Togai's customer operations through real HTTP (with contacts): create with
// and without an embedded account, list by cursor, get, update, delete
// (archive), and every client error. The response self-check is on.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestMock, type TestMock } from '../helpers/mock.js';

let mock: TestMock;
beforeAll(async () => {
  mock = await startTestMock();
});
beforeEach(async () => {
  await mock.reset();
  mock.setTime('2024-06-01T12:00:00Z');
});

export const customerBody = (id: string, over: Record<string, unknown> = {}) => ({
  id,
  name: `Customer ${id}`,
  primaryEmail: `${id.toLowerCase()}@example.com`,
  address: { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' },
  ...over,
});

const create = (body: unknown) => mock.call('POST', '/customers', { body });

describe('createCustomer', () => {
  it('answers 201 with togaiCustomerId, the billing address and the embedded account (with its wallet)', async () => {
    const r = await create(
      customerBody('CUS1', { account: { id: 'ACC1', name: 'Main account', invoiceCurrency: 'EUR' } }),
    );
    expect(r.status).toBe(201);
    expect(r.body).toEqual({
      id: 'CUS1',
      togaiCustomerId: expect.stringMatching(/^customer\.[0-9A-Za-z]{11}\.[0-9A-Za-z]{5}$/),
      name: 'Customer CUS1',
      primaryEmail: 'cus1@example.com',
      billingAddress: '1 Main St, Springfield, 12345, US',
      address: { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' },
      account: expect.objectContaining({
        id: 'ACC1',
        customerId: 'CUS1',
        togaiCustomerId: r.body.togaiCustomerId,
        invoiceCurrency: 'EUR',
        status: 'ACTIVE',
        aliases: [],
      }),
    });
    const got = await mock.call('GET', '/customers/CUS1');
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: 'CUS1', status: 'ACTIVE', createdAt: '2024-06-01T12:00:00.000Z' });
    const wallet = await mock.call('GET', '/accounts/ACC1/wallet');
    expect(wallet.body).toMatchObject({
      accountId: 'ACC1',
      customerId: 'CUS1',
      balance: 0,
      creditUnit: 'EUR',
      status: 'ACTIVE',
    });
  });

  it('a taken id is 409 and changes nothing', async () => {
    expect((await create(customerBody('CUS1'))).status).toBe(201);
    const again = await create(customerBody('CUS1', { name: 'Other name', account: { id: 'ACC9', name: 'nine' } }));
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ message: 'Customer CUS1 already exists' });
    expect((await mock.call('GET', '/customers/CUS1')).body.name).toBe('Customer CUS1');
    expect((await mock.call('GET', '/accounts/ACC9')).status).toBe(404);
  });

  it('refuses a bad body with the field path; an embedded account that fails stores no customer either', async () => {
    const noName = await create({ id: 'CUS1', primaryEmail: 'a@example.com', address: {} });
    expect(noName.status).toBe(400);
    expect(noName.body.message).toMatch(/name/);
    const badCurrency = await create(
      customerBody('CUS1', { account: { id: 'ACC1', name: 'Main', invoiceCurrency: 'EURO' } }),
    );
    expect(badCurrency.status).toBe(400);
    expect(badCurrency.body.message).toMatch(/^account\.invoiceCurrency /);
    const overlap = await create(
      customerBody('CUS1', { account: { id: 'ACC1', name: 'Main', aliases: ['dup', 'dup'] } }),
    );
    expect(overlap.status).toBe(400);
    expect(overlap.body.message).toMatch(/^account\.aliases\[1\]: alias dup is given twice/);
    expect((await mock.call('GET', '/customers/CUS1')).status).toBe(404);
    expect((await mock.call('GET', '/customers')).body.data).toEqual([]);
  });
});

describe('getCustomers', () => {
  it('pages by cursor in creation order and leaves archived customers out', async () => {
    for (let i = 1; i <= 5; i++) expect((await create(customerBody(`CUS${i}`))).status).toBe(201);
    expect((await mock.call('DELETE', '/customers/CUS2')).status).toBe(200);
    const first = await mock.call('GET', '/customers?pageSize=2');
    expect(first.status).toBe(200);
    expect(first.body.data.map((c: any) => c.id)).toEqual(['CUS1', 'CUS3']);
    expect(typeof first.body.nextToken).toBe('string');
    const second = await mock.call('GET', `/customers?nextToken=${encodeURIComponent(first.body.nextToken)}`);
    expect(second.body.data.map((c: any) => c.id)).toEqual(['CUS4', 'CUS5']);
    expect(second.body.nextToken).toBeUndefined();
    const bad = await mock.call('GET', '/customers?nextToken=garbage!');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^nextToken is malformed/);
  });
});

describe('updateCustomer and deleteCustomer', () => {
  it('changes the fields given, keeps the others, recomputes billingAddress', async () => {
    await create(customerBody('CUS1'));
    mock.setTime('2024-06-02T00:00:00Z');
    const r = await mock.call('PATCH', '/customers/CUS1', {
      body: { name: 'Renamed Inc', address: { line1: '9 Elm' } },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      name: 'Renamed Inc',
      primaryEmail: 'cus1@example.com',
      billingAddress: '9 Elm',
      updatedAt: '2024-06-02T00:00:00.000Z',
      createdAt: '2024-06-01T12:00:00.000Z',
    });
    expect((await mock.call('PATCH', '/customers/NOPE', { body: { name: 'abc' } })).status).toBe(404);
    const short = await mock.call('PATCH', '/customers/CUS1', { body: { name: 'ab' } });
    expect(short.status).toBe(400);
    expect(short.body.message).toMatch(/^name /);
  });

  it('delete archives the customer and its accounts; GET answers ARCHIVED; again is 404; the id stays taken', async () => {
    await create(customerBody('CUS1', { account: { id: 'ACC1', name: 'Main' } }));
    const del = await mock.call('DELETE', '/customers/CUS1');
    expect(del).toMatchObject({ status: 200, body: { success: true } });
    expect((await mock.call('GET', '/customers/CUS1')).body.status).toBe('ARCHIVED');
    expect((await mock.call('GET', '/accounts/ACC1')).body.status).toBe('ARCHIVED');
    expect((await mock.call('GET', '/accounts')).body.data).toEqual([]);
    expect((await mock.call('DELETE', '/customers/CUS1')).status).toBe(404);
    expect((await create(customerBody('CUS1'))).status).toBe(409);
    expect((await mock.call('DELETE', '/customers/NOPE')).status).toBe(404);
    const patch = await mock.call('PATCH', '/customers/CUS1', { body: { name: 'Revived' } });
    expect(patch.status).toBe(400);
    expect(patch.body.message).toMatch(/ARCHIVED/);
  });
});

describe('createCustomerContact', () => {
  it('stores the contact with its customer, never answering, journaling or storing the password', async () => {
    await create(customerBody('CUS1'));
    const r = await mock.call('POST', '/customers/CUS1/contacts', {
      body: {
        name: 'Jo Doe',
        email: 'jo@example.com',
        preferredUsername: 'jodoe',
        password: 'Sup3rSecret!',
        loginAccess: true,
      },
    });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({
      username: 'jodoe',
      preferredUsername: 'jodoe',
      name: 'Jo Doe',
      email: 'jo@example.com',
      loginAccess: true,
      verified: false,
      createdAt: '2024-06-01T12:00:00.000Z',
    });
    const journal = await mock.requests({ operationId: 'createCustomerContact' });
    expect(journal).toHaveLength(1);
    expect(JSON.stringify(journal)).not.toContain('Sup3rSecret');
    expect(JSON.stringify(journal)).toContain('[redacted]');
    const state = await fetch(`${mock.url}/_mock/state`).then((res) => res.text());
    expect(state).not.toContain('Sup3rSecret');
    expect(state).toMatch(/"passwordHash":"sha256\$[^"$]+\$[0-9a-f]{64}"/);
    const taken = await mock.call('POST', '/customers/CUS1/contacts', {
      body: { name: 'Other', email: 'o@example.com', preferredUsername: 'jodoe' },
    });
    expect(taken.status).toBe(409);
    const unknown = await mock.call('POST', '/customers/NOPE/contacts', {
      body: { name: 'X', email: 'x@example.com' },
    });
    expect(unknown.status).toBe(404);
    const badEmail = await mock.call('POST', '/customers/CUS1/contacts', {
      body: { name: 'X', email: 'not-an-email' },
    });
    expect(badEmail.status).toBe(400);
    expect(badEmail.body.message).toMatch(/^email /);
  });
});
