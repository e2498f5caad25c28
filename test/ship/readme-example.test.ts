import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTogaiMock, type TogaiMock } from 'togai-mock';

let togai: TogaiMock;

beforeAll(async () => {
  // A free port for this test file; your Togai client gets togai.url as its base URL.
  togai = await startTogaiMock({ port: 0, tokens: ['test-api-key'] });
});
afterAll(() => togai.close());
beforeEach(async () => {
  await togai.reset();
  await togai.clock.set('2024-06-15T12:00:00Z');
});

// Stands in for your code that calls Togai.
async function callTogai(method: string, path: string, body?: unknown) {
  const res = await fetch(`${togai.url}${path}`, {
    method,
    headers: { authorization: 'Bearer test-api-key', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json: any = await res.json();
  return { status: res.status, body: json };
}

describe('prepaid credits', () => {
  it('a granted credit counts in the balance until it expires', async () => {
    const grant = await callTogai('POST', '/credits', {
      creditRequests: [
        {
          accountId: 'ACC-1',
          purpose: 'PREPAID_CREDIT',
          effectiveFrom: '2024-06-01',
          effectiveUntil: '2024-06-30',
          creditAmount: 100,
          priority: 1,
        },
      ],
    });
    expect(grant.status).toBe(200);
    const creditId = grant.body.credits[0].id;

    const balance = await callTogai('GET', '/accounts/ACC-1/credit_balance');
    expect(balance.body.availableBalance).toBe(100);

    // Jump past effectiveUntil: the credit expires, the balance drops.
    await togai.clock.advance(30 * 24 * 3600);
    expect((await callTogai('GET', `/credits/${creditId}`)).body.status).toBe('EXPIRED');
    expect((await callTogai('GET', '/accounts/ACC-1/credit_balance')).body.availableBalance).toBe(0);
  });

  it('seeded data and the request journal', async () => {
    const { accounts, credits } = await togai.seed({ seed: 42, accounts: 2, creditsPerAccount: 3 });
    expect(accounts).toHaveLength(2);
    expect(credits).toHaveLength(6);

    await callTogai('GET', `/credits?account_id=${accounts[0]!.accountId}`);
    const calls = await togai.requests({ operationId: 'listCredits' });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.status).toBe(200);
  });
});

describe('an onboarded customer', () => {
  it("credits carry the account's customer and currency; the wallet shows every entry", async () => {
    const onboarded = await callTogai('POST', '/customers', {
      id: 'CUS-1',
      name: 'Acme Inc',
      primaryEmail: 'billing@acme.example',
      address: {},
      account: { id: 'ACC-2', name: 'Acme main', invoiceCurrency: 'EUR' },
    });
    expect(onboarded.status).toBe(201);

    const grant = await callTogai('POST', '/credits', {
      creditRequests: [
        { accountId: 'ACC-2', purpose: 'PROMOTIONAL', effectiveFrom: '2024-06-01', creditAmount: 20, priority: 1 },
      ],
    });
    expect(grant.body.credits[0]).toMatchObject({ customerId: 'CUS-1', creditUnit: 'EUR' });

    await callTogai('POST', '/accounts/ACC-2/wallet_topup', { topupAmount: 100 });
    // Where Togai's invoice would draw on the wallet.
    const debit = await togai.wallets.debit('ACC-2', 30, { invoiceId: 'inv-1' });
    expect(debit.unmet).toBe(0);

    const entries = await callTogai('GET', '/accounts/ACC-2/wallet/entries');
    expect(entries.body.data.map((e: any) => [e.transactionType, e.closingBalance])).toEqual([
      ['CREDITED', 100],
      ['DEBITED', 70],
    ]);
  });
});
