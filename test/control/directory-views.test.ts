// The control API's read-only views of the directory and the events, which
// the dashboard draws: customers with their accounts (archived ones too),
// an account's profile (customer, every alias with its window, wallet and
// newest entries) and an account's events with their statuses, paged.
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

async function onboard(customerId: string, accountId: string): Promise<void> {
  const r = await mock.call('POST', '/customers', {
    body: {
      id: customerId,
      name: `Customer ${customerId}`,
      primaryEmail: 'billing@acme.example',
      address: { country: 'US' },
      account: { id: accountId, name: `Account ${accountId}`, invoiceCurrency: 'EUR' },
    },
  });
  expect(r.status).toBe(201);
}

const ingest = (event: Record<string, unknown>) =>
  mock.call('POST', '/ingest', {
    body: {
      event: {
        schemaName: 'rides',
        timestamp: '2024-06-01T10:00:00Z',
        attributes: [{ name: 'km', value: '3' }],
        dimensions: {},
        ...event,
      },
    },
  });

describe('GET /_mock/customers', () => {
  it('lists every customer with its accounts, archived ones included, paged by offset', async () => {
    await onboard('CUS1', 'ACC1');
    await onboard('CUS2', 'ACC2');
    expect(
      (
        await mock.call('POST', '/accounts', {
          body: { customerId: 'CUS1', name: 'Second', id: 'ACC1B', invoiceCurrency: 'EUR' },
        })
      ).status,
    ).toBe(201);
    expect((await mock.call('DELETE', '/accounts/ACC1B')).status).toBe(200);
    expect((await mock.call('DELETE', '/customers/CUS2')).status).toBe(200);

    const all = await mock.call('GET', '/_mock/customers');
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(2);
    expect(all.body.customers[0]).toEqual({
      id: 'CUS1',
      togaiCustomerId: expect.any(String),
      name: 'Customer CUS1',
      primaryEmail: 'billing@acme.example',
      status: 'ACTIVE',
      createdAt: '2024-06-01T12:00:00.000Z',
      updatedAt: '2024-06-01T12:00:00.000Z',
      contactCount: 0,
      accounts: [
        { id: 'ACC1', name: 'Account ACC1', status: 'ACTIVE', invoiceCurrency: 'EUR' },
        { id: 'ACC1B', name: 'Second', status: 'ARCHIVED', invoiceCurrency: 'EUR' },
      ],
    });
    expect(all.body.customers[1]).toMatchObject({
      id: 'CUS2',
      status: 'ARCHIVED',
      accounts: [{ id: 'ACC2', status: 'ARCHIVED' }],
    });

    const second = await mock.call('GET', '/_mock/customers?offset=1&limit=1');
    expect(second.body.total).toBe(2);
    expect(second.body.customers.map((c: { id: string }) => c.id)).toEqual(['CUS2']);
    const bad = await mock.call('GET', '/_mock/customers?limit=0');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/limit/);
  });

  it('shows the implicit customer an unknown account’s first credit makes', async () => {
    const grant = await mock.call('POST', '/credits', {
      body: {
        creditRequests: [
          { accountId: 'IMPL1', purpose: 'P', effectiveFrom: '2024-06-01', creditAmount: 5, priority: 1 },
        ],
      },
    });
    expect(grant.status).toBe(200);
    const all = await mock.call('GET', '/_mock/customers');
    expect(all.body.customers).toEqual([
      expect.objectContaining({
        id: 'IMPL1',
        name: 'Customer IMPL1',
        accounts: [{ id: 'IMPL1', name: 'Account IMPL1', status: 'ACTIVE', invoiceCurrency: 'USD' }],
      }),
    ]);
  });
});

describe('GET /_mock/accounts/{accountId}/profile', () => {
  it('shows the customer, every alias with its window, the wallet and its newest entries first', async () => {
    await onboard('CUS1', 'ACC1');
    const added = await mock.call('POST', '/accounts/ACC1/add_aliases', {
      body: {
        accountAliases: [
          { value: 'acme-now' },
          { value: 'acme-2025', effectiveFrom: '2025-01-01T00:00:00Z', effectiveUntil: '2025-06-01T00:00:00Z' },
        ],
      },
    });
    expect(added.status).toBe(200);
    expect((await mock.call('POST', '/accounts/ACC1/wallet_topup', { body: { topupAmount: 100 } })).status).toBe(200);
    const debit = await mock.call('POST', '/_mock/accounts/ACC1/wallet/debit', {
      body: { amount: 30, invoiceId: 'INV-9' },
    });
    expect(debit.status).toBe(200);

    const r = await mock.call('GET', '/_mock/accounts/ACC1/profile');
    expect(r.status).toBe(200);
    expect(r.body.customer).toEqual({
      id: 'CUS1',
      togaiCustomerId: expect.any(String),
      name: 'Customer CUS1',
      primaryEmail: 'billing@acme.example',
      status: 'ACTIVE',
    });
    expect(r.body.account).toMatchObject({
      id: 'ACC1',
      name: 'Account ACC1',
      status: 'ACTIVE',
      invoiceCurrency: 'EUR',
    });
    expect(r.body.aliases).toEqual([
      {
        id: expect.any(String),
        value: 'acme-now',
        effectiveFrom: '0001-01-01T00:00:00.000Z',
        effectiveUntil: '9999-12-31T23:59:59.999Z',
        effectiveNow: true,
      },
      {
        id: expect.any(String),
        value: 'acme-2025',
        effectiveFrom: '2025-01-01T00:00:00.000Z',
        effectiveUntil: '2025-06-01T00:00:00.000Z',
        effectiveNow: false,
      },
    ]);
    expect(r.body.wallet).toMatchObject({ balance: 70, holdAmount: 0, creditUnit: 'EUR', status: 'ACTIVE' });
    expect(r.body.walletEntryCount).toBe(2);
    expect(r.body.walletEntries).toEqual([
      expect.objectContaining({ transactionType: 'DEBITED', amount: 30, closingBalance: 70, invoiceId: 'INV-9' }),
      expect.objectContaining({ transactionType: 'CREDITED', amount: 100, closingBalance: 100 }),
    ]);
    const one = await mock.call('GET', '/_mock/accounts/ACC1/profile?entries=1');
    expect(one.body.walletEntries.map((e: { amount: number }) => e.amount)).toEqual([30]);
    expect(one.body.walletEntryCount).toBe(2);

    // Reading changed nothing.
    expect((await mock.call('GET', '/_mock/accounts/ACC1/profile')).body).toEqual(r.body);
  });

  it('answers an archived account, and 404 for an unknown one', async () => {
    await onboard('CUS1', 'ACC1');
    expect((await mock.call('DELETE', '/accounts/ACC1')).status).toBe(200);
    const r = await mock.call('GET', '/_mock/accounts/ACC1/profile');
    expect(r.status).toBe(200);
    expect(r.body.account.status).toBe('ARCHIVED');
    const unknown = await mock.call('GET', '/_mock/accounts/NOPE/profile');
    expect(unknown).toMatchObject({ status: 404, body: { message: 'Account NOPE does not exist' } });
  });
});

describe('GET /_mock/accounts/{accountId}/events', () => {
  it('lists the account’s events with their statuses, by status and page', async () => {
    await onboard('CUS1', 'ACC1');
    await onboard('CUS2', 'ACC2');
    await mock.call('POST', '/accounts/ACC1/add_aliases', { body: { aliases: ['acme-prod'] } });
    expect((await ingest({ id: 'e1', accountId: 'ACC1' })).status).toBe(202);
    expect((await ingest({ id: 'e2', accountId: 'acme-prod' })).status).toBe(202);
    expect((await ingest({ id: 'e1', accountId: 'ACC1' })).status).toBe(202); // a duplicate
    expect((await ingest({ id: 'e3', accountId: 'ACC2' })).status).toBe(202);
    expect((await ingest({ id: 'e4', accountId: 'ACC1', timestamp: '2024-01-01T00:00:00Z' })).status).toBe(202);

    const all = await mock.call('GET', '/_mock/accounts/ACC1/events');
    expect(all.status).toBe(200);
    expect(all.body.nextToken).toBeUndefined();
    expect(all.body.events.map((e: any) => [e.event.id, e.event.accountId, e.status])).toEqual([
      ['e1', 'ACC1', 'INGESTION_COMPLETED_NO_MATCHING_METERS'],
      ['e2', 'acme-prod', 'INGESTION_COMPLETED_NO_MATCHING_METERS'],
      ['e1', 'ACC1', 'INGESTION_FAILED_DUPLICATE_EVENT'],
      ['e4', 'ACC1', 'INGESTION_FAILED_PAST_GRACE_PERIOD'],
    ]);
    expect(all.body.events[0]).toMatchObject({
      referenceId: expect.any(String),
      statusDescription: expect.stringContaining('no usage meters'),
      ingestedAt: '2024-06-01T12:00:00.000Z',
    });

    const failed = await mock.call('GET', '/_mock/accounts/ACC1/events?status=INGESTION_FAILED_DUPLICATE_EVENT');
    expect(failed.body.events.map((e: any) => e.status)).toEqual(['INGESTION_FAILED_DUPLICATE_EVENT']);

    const first = await mock.call('GET', '/_mock/accounts/ACC1/events?limit=3');
    expect(first.body.events).toHaveLength(3);
    const next = await mock.call(
      'GET',
      `/_mock/accounts/ACC1/events?limit=3&nextToken=${encodeURIComponent(first.body.nextToken)}`,
    );
    expect(next.body.events.map((e: any) => e.event.id)).toEqual(['e4']);
    expect(next.body.nextToken).toBeUndefined();

    const bad = await mock.call('GET', '/_mock/accounts/ACC1/events?nextToken=garbage');
    expect(bad).toMatchObject({ status: 400, body: { message: expect.stringContaining('nextToken') } });
    const badStatus = await mock.call('GET', '/_mock/accounts/ACC1/events?status=DONE');
    expect(badStatus.status).toBe(400);
    // An id no account has lists the events that named it.
    expect((await ingest({ id: 'e5', accountId: 'GHOST' })).status).toBe(202);
    const ghost = await mock.call('GET', '/_mock/accounts/GHOST/events');
    expect(ghost.body.events.map((e: any) => e.status)).toEqual(['INGESTION_FAILED_ACCOUNT_NOT_FOUND']);
  });
});
