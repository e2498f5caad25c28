// Two mocks on one Redis prefix, as replicas behind a load balancer: a
// customer and account created through one are read through the other, a
// wallet topped up through the second shows its entries through the first,
// and a credit granted through either carries the account's customer and
// currency. The response self-check is on in both.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditRequest, startTestMock, type TestMock } from '../helpers/mock.js';
import { redisAvailable, TestRedis, warnIfRedisMissing } from '../helpers/redis.js';

warnIfRedisMissing('the directory across replicas');

describe.skipIf(!redisAvailable)('customers, accounts and wallets across replicas', () => {
  let redis: TestRedis;
  let a: TestMock;
  let b: TestMock;
  beforeAll(async () => {
    redis = await TestRedis.start();
    const prefix = `directory${process.pid}:`;
    a = await startTestMock({ redisUrl: redis.url, redisPrefix: prefix });
    b = await startTestMock({ redisUrl: redis.url, redisPrefix: prefix });
  });
  afterAll(async () => {
    await redis?.dispose();
  });

  it('what one replica made, the other answers', async () => {
    const made = await a.call('POST', '/customers', {
      body: {
        id: 'CUS1',
        name: 'Acme Inc',
        primaryEmail: 'billing@acme.example',
        address: { country: 'US' },
        account: { id: 'ACC1', name: 'Acme main', invoiceCurrency: 'EUR', aliases: ['acme'] },
      },
    });
    expect(made.status).toBe(201);
    const customer = await b.call('GET', '/customers/CUS1');
    expect(customer.body.togaiCustomerId).toBe(made.body.togaiCustomerId);
    expect((await b.call('GET', '/accounts/ACC1')).body).toEqual(made.body.account);
    expect((await b.call('POST', '/accounts/ACC1/wallet_topup', { body: { topupAmount: 25 } })).status).toBe(200);
    const entries = await a.call('GET', '/accounts/ACC1/wallet/entries');
    expect(entries.body.data).toEqual([expect.objectContaining({ amount: 25, closingBalance: 25 })]);
    const credit = await a.call('POST', '/credits', {
      body: { creditRequests: [creditRequest({ accountId: 'ACC1' })] },
    });
    expect(credit.body.credits[0]).toMatchObject({ customerId: 'CUS1', creditUnit: 'EUR' });
    // A second create of the same id through the other replica is the same conflict.
    expect(
      (await b.call('POST', '/accounts', { body: { id: 'ACC1', name: 'again', customerId: 'CUS1' } })).status,
    ).toBe(409);
  });
});
