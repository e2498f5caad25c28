// Accounts on the control API, and consumption: draw order (priority, then
// expiry, then age), DEBITED transactions, CONSUMED credits, unmet amounts,
// holds released and settled.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { creditRequest, startTestMock, type TestMock } from '../helpers/mock.js';

let mock: TestMock;
beforeAll(async () => {
  mock = await startTestMock();
});
beforeEach(async () => {
  await mock.call('POST', '/_mock/reset');
  await mock.call('PUT', '/_mock/clock', { body: { now: '2024-06-01T00:00:00Z' } });
});

const grant = async (...requests: Array<Record<string, unknown>>): Promise<any[]> => {
  const r = await mock.call('POST', '/credits', { body: { creditRequests: requests } });
  expect(r.status).toBe(200);
  return r.body.credits;
};

describe('accounts', () => {
  it('creates an account, refuses a duplicate, and shows it with its balance', async () => {
    const c = await mock.call('POST', '/_mock/accounts', {
      body: { accountId: 'ACC1', customerId: 'CUST1', currency: 'EUR' },
    });
    expect(c.status).toBe(201);
    expect(c.body).toEqual({
      accountId: 'ACC1',
      customerId: 'CUST1',
      currency: 'EUR',
      createdAt: '2024-06-01T00:00:00.000Z',
      updatedAt: '2024-06-01T00:00:00.000Z',
      creditCount: 0,
      balance: {
        activeCredits: 0,
        availableBalance: 0,
        runningBalance: 0,
        inapplicableCredits: 0,
        unit: 'EUR',
        lastUpdatedAt: '2024-06-01T00:00:00.000Z',
      },
    });
    const dup = await mock.call('POST', '/_mock/accounts', { body: { accountId: 'ACC1' } });
    expect(dup).toMatchObject({ status: 409, body: { message: 'Account ACC1 already exists' } });
    const bad = await mock.call('POST', '/_mock/accounts', { body: { accountId: '' } });
    expect(bad).toMatchObject({ status: 400, body: { message: 'accountId must not be empty' } });
  });

  it('pages the account list with offset and limit, and counts the total', async () => {
    for (const id of ['A', 'B', 'C', 'D', 'E']) await mock.call('POST', '/_mock/accounts', { body: { accountId: id } });
    await grant(creditRequest({ accountId: 'B', creditAmount: 70 }));
    const page = await mock.call('GET', '/_mock/accounts?offset=1&limit=2');
    expect(page.body.total).toBe(5);
    expect(page.body.accounts.map((a: any) => a.accountId)).toEqual(['B', 'C']);
    expect(page.body.accounts[0]).toMatchObject({
      creditCount: 1,
      balance: { activeCredits: 70, availableBalance: 70 },
    });
    expect((await mock.call('GET', '/_mock/accounts?limit=0')).status).toBe(400);
    expect((await mock.call('GET', '/_mock/accounts')).body.accounts).toHaveLength(5);
  });

  it('shows one account with its credits, their transactions, and its holds', async () => {
    const [credit] = await grant(creditRequest({ accountId: 'DET', creditAmount: 100 }));
    await mock.call('POST', '/_mock/accounts/DET/consume', { body: { amount: 30, invoiceId: 'inv-1', hold: true } });
    const d = await mock.call('GET', '/_mock/accounts/DET');
    expect(d.status).toBe(200);
    expect(d.body.credits).toHaveLength(1);
    expect(d.body.credits[0]).toMatchObject({ id: credit.id, holdAmount: 30 });
    expect(d.body.credits[0].transactions.map((t: any) => t.transactionType)).toEqual(['CREDITED']);
    expect(d.body.holds).toEqual([
      {
        holdId: expect.any(String),
        creditId: credit.id,
        amount: 30,
        createdAt: '2024-06-01T00:00:00.000Z',
        invoiceId: 'inv-1',
      },
    ]);
    expect(d.body.balance).toMatchObject({ availableBalance: 100, runningBalance: 70 });
    expect(await mock.call('GET', '/_mock/accounts/NOPE')).toMatchObject({
      status: 404,
      body: { message: 'Account NOPE does not exist' },
    });
  });
});

describe('consumption', () => {
  it('draws by priority, then earliest effectiveUntil, then oldest', async () => {
    const [p2, p1late, p1soonOld, p1soonNew, p1none] = await grant(
      creditRequest({ accountId: 'ORD', priority: 2, effectiveUntil: '2024-06-10', creditAmount: 10 }),
      creditRequest({ accountId: 'ORD', priority: 1, effectiveUntil: '2024-12-31', creditAmount: 10 }),
      creditRequest({ accountId: 'ORD', priority: 1, effectiveUntil: '2024-07-31', creditAmount: 10 }),
    ).then(async (first) => [
      ...first,
      ...(await (async () => {
        await mock.call('POST', '/_mock/clock/advance', { body: { seconds: 60 } });
        return grant(
          creditRequest({ accountId: 'ORD', priority: 1, effectiveUntil: '2024-07-31', creditAmount: 10 }),
          creditRequest({ accountId: 'ORD', priority: 1, effectiveUntil: undefined, creditAmount: 10 }),
        );
      })()),
    ]);
    const r = await mock.call('POST', '/_mock/accounts/ORD/consume', {
      body: { amount: 45, invoiceId: 'inv-9', entityId: 'meter-1' },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ accountId: 'ORD', requested: 45, unmet: 0, hold: false });
    expect(r.body.drawn.map((d: any) => [d.creditId, d.amount])).toEqual([
      [p1soonOld.id, 10],
      [p1soonNew.id, 10],
      [p1late.id, 10],
      [p1none.id, 10],
      [p2.id, 5],
    ]);
    const details = await mock.call('GET', `/credits/${p1soonOld.id}`);
    expect(details.body.status).toBe('CONSUMED');
    expect(details.body.transactions[1]).toMatchObject({
      id: r.body.drawn[0].transactionId,
      transactionType: 'DEBITED',
      amount: 10,
      invoiceId: 'inv-9',
      entityId: 'meter-1',
    });
    expect((await mock.call('GET', `/credits/${p2.id}`)).body).toMatchObject({ status: 'ACTIVE', consumedAmount: 5 });
  });

  it('answers what no credit covered as unmet, and skips credits not in effect or not applicable', async () => {
    await grant(
      creditRequest({ accountId: 'UN', creditAmount: 50 }),
      creditRequest({ accountId: 'UN', creditAmount: 500, effectiveFrom: '2024-07-01' }),
      creditRequest({ accountId: 'UN', creditAmount: 500, applicableEntityIds: ['other-meter'] }),
    );
    const r = await mock.call('POST', '/_mock/accounts/UN/consume', { body: { amount: 80, entityId: 'meter-1' } });
    expect(r.body).toMatchObject({ requested: 80, unmet: 30 });
    expect(r.body.drawn).toHaveLength(1);
    expect(await mock.call('POST', '/_mock/accounts/GHOST/consume', { body: { amount: 1 } })).toMatchObject({
      status: 404,
    });
    const zero = await mock.call('POST', '/_mock/accounts/UN/consume', { body: { amount: 0 } });
    expect(zero).toMatchObject({ status: 400, body: { message: 'amount must be greater than 0' } });
  });

  it('holds, then releases or settles them', async () => {
    const [c] = await grant(creditRequest({ accountId: 'H', creditAmount: 100 }));
    const h1 = await mock.call('POST', '/_mock/accounts/H/consume', {
      body: { amount: 30, invoiceId: 'inv-a', hold: true },
    });
    const h2 = await mock.call('POST', '/_mock/accounts/H/consume', {
      body: { amount: 20, invoiceId: 'inv-b', hold: true },
    });
    expect(h1.body).toMatchObject({ hold: true, drawn: [{ creditId: c.id, amount: 30, holdId: expect.any(String) }] });
    expect((await mock.call('GET', '/accounts/H/credit_balance')).body).toMatchObject({
      availableBalance: 100,
      runningBalance: 50,
    });

    const released = await mock.call('POST', '/_mock/accounts/H/holds/release', { body: { invoiceId: 'inv-a' } });
    expect(released.body).toEqual({
      accountId: 'H',
      holds: [{ holdId: h1.body.drawn[0].holdId, creditId: c.id, amount: 30 }],
      total: 30,
    });
    expect((await mock.call('GET', '/accounts/H/credit_balance')).body).toMatchObject({
      availableBalance: 100,
      runningBalance: 80,
    });

    const settled = await mock.call('POST', '/_mock/accounts/H/holds/settle', {
      body: { holdId: h2.body.drawn[0].holdId },
    });
    expect(settled.body).toMatchObject({ total: 20, holds: [{ amount: 20, transactionId: expect.any(String) }] });
    const credit = await mock.call('GET', `/credits/${c.id}`);
    expect(credit.body).toMatchObject({ holdAmount: 0, consumedAmount: 20 });
    expect(credit.body.transactions.map((t: any) => t.transactionType)).toEqual(['CREDITED', 'DEBITED']);
    expect((await mock.call('GET', '/accounts/H/credit_balance')).body).toMatchObject({
      availableBalance: 80,
      runningBalance: 80,
    });

    const unknown = await mock.call('POST', '/_mock/accounts/H/holds/settle', { body: { holdId: 'hold.nope' } });
    expect(unknown).toMatchObject({ status: 404, body: { message: 'Hold hold.nope does not exist on account H' } });
    // An empty body means every hold of the account (none left here).
    expect((await mock.call('POST', '/_mock/accounts/H/holds/release')).body).toEqual({
      accountId: 'H',
      holds: [],
      total: 0,
    });
  });
});
