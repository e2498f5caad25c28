// The reference consumer's Pact tests: every Credits operation the reference
// client uses, with success and error cases, written with Pact V4 and the V3
// matchers, using the provider state vocabulary of togai-mock.
//
// Runs outside vitest as well (`npm run pacts:update` writes contracts/pacts/
// through test/contract/update-pacts.ts), so it asserts with node:assert.
// Everything in it is fixed (ids, dates, amounts): regenerating gives
// byte-identical pact files, which test/contract/consumer.test.ts checks.

import assert from 'node:assert/strict';
import { MatchersV3, PactV4 } from '@pact-foundation/pact';
import { TogaiCreditsClient } from './reference-client.js';

const { like, eachLike, regex, integer, fromProviderState } = MatchersV3;

export const CONSUMER = 'togai-mock-reference-consumer';
export const PROVIDER = 'togai-credits-api';

/** Fixed names the pact refers to; a sandbox needs these accounts to exist. */
export const ACCOUNT = 'togai-mock-pact-acc-1';
const CREDIT_ID = 'cred.pactRefCred.00001';
const MISSING_CREDIT_ID = 'cred.pactMissing.00000';
const TOKEN_EXAMPLE = 'Bearer consumer-test-token';

const ISO_INSTANT = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$';
const DATE = '^\\d{4}-\\d{2}-\\d{2}$';
const JSON_TYPE = regex('^application/json.*$', 'application/json; charset=utf-8');

const authorized = { Authorization: regex('^Bearer \\S+$', TOKEN_EXAMPLE) };

/** A credit as the reference consumer relies on it: types, not values. */
function credit(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: like(CREDIT_ID),
    customerId: like(ACCOUNT),
    accountId: like(ACCOUNT),
    purpose: like('PACT_REFERENCE'),
    effectiveFrom: regex(DATE, '2025-01-01'),
    creditAmount: like(500),
    priority: integer(1),
    status: regex('^(ACTIVE|CONSUMED|EXPIRED|VOIDED)$', 'ACTIVE'),
    creditUnit: like('USD'),
    holdAmount: like(0),
    consumedAmount: like(0),
    createdAt: regex(ISO_INSTANT, '2025-01-01T00:00:00.000Z'),
    ...fields,
  };
}

const errorBody = { message: like('what was wrong') };

const grantRequest = {
  accountId: ACCOUNT,
  purpose: 'PACT_REFERENCE',
  effectiveFrom: '2025-01-01',
  creditAmount: 500,
  priority: 1,
};

/** Writes the reference consumer's pact file into `dir` (which should be empty). */
export async function writeReferencePacts(dir: string): Promise<void> {
  const pact = new PactV4({ consumer: CONSUMER, provider: PROVIDER, dir, logLevel: 'error' });
  const client = (url: string, credential: 'bearer' | 'none' | 'apiKey' = 'bearer') =>
    new TogaiCreditsClient(
      url,
      credential === 'bearer'
        ? { bearer: TOKEN_EXAMPLE.slice('Bearer '.length) }
        : credential === 'apiKey'
          ? { apiKey: 'consumer-test-key' }
          : null,
    );

  // ------------------------------------------------------------ createCredit
  await pact
    .addInteraction()
    .given('an account exists', { accountId: ACCOUNT })
    .uponReceiving('a request to grant a credit')
    .withRequest('POST', '/credits', (b) =>
      b.headers({ ...authorized, 'Content-Type': 'application/json' }).jsonBody({ creditRequests: [grantRequest] }),
    )
    .willRespondWith(200, (b) =>
      b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({
        credits: eachLike(credit({ accountId: ACCOUNT, status: 'ACTIVE', creditAmount: like(500) })),
      }),
    )
    .executeTest(async (server) => {
      const res = await client(server.url).grantCredits([grantRequest]);
      assert.equal(res.status, 200);
      assert.equal(res.body.credits[0].accountId, ACCOUNT);
    });

  const badGrant = { ...grantRequest, priority: 'high' };
  await pact
    .addInteraction()
    .uponReceiving('a request to grant a credit with a non-integer priority')
    .withRequest('POST', '/credits', (b) =>
      b.headers({ ...authorized, 'Content-Type': 'application/json' }).jsonBody({ creditRequests: [badGrant] }),
    )
    .willRespondWith(400, (b) => b.headers({ 'Content-Type': JSON_TYPE }).jsonBody(errorBody))
    .executeTest(async (server) => {
      const res = await client(server.url).grantCredits([badGrant]);
      assert.equal(res.status, 400);
      assert.equal(typeof res.body.message, 'string');
    });

  await pact
    .addInteraction()
    .uponReceiving('a request to grant a credit without credentials')
    .withRequest('POST', '/credits', (b) =>
      b.headers({ 'Content-Type': 'application/json' }).jsonBody({ creditRequests: [grantRequest] }),
    )
    .willRespondWith(401, (b) => b.headers({ 'Content-Type': JSON_TYPE }).jsonBody(errorBody))
    .executeTest(async (server) => {
      const res = await client(server.url, 'none').grantCredits([grantRequest]);
      assert.equal(res.status, 401);
    });

  // ------------------------------------------------------------- listCredits
  await pact
    .addInteraction()
    .given('an account has an active credit', { accountId: ACCOUNT, creditId: CREDIT_ID })
    .uponReceiving("a request for an account's credits")
    .withRequest('GET', '/credits', (b) => b.headers(authorized).query({ account_id: ACCOUNT, pageSize: '10' }))
    .willRespondWith(200, (b) =>
      b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({ data: eachLike(credit({ accountId: ACCOUNT })) }),
    )
    .executeTest(async (server) => {
      const res = await client(server.url).listCredits({ account_id: ACCOUNT, pageSize: '10' });
      assert.equal(res.status, 200);
      assert.ok(res.body.data.length >= 1);
    });

  await pact
    .addInteraction()
    .uponReceiving('a request for credits with a page size above 50')
    .withRequest('GET', '/credits', (b) => b.headers(authorized).query({ pageSize: '51' }))
    .willRespondWith(400, (b) => b.headers({ 'Content-Type': JSON_TYPE }).jsonBody(errorBody))
    .executeTest(async (server) => {
      const res = await client(server.url).listCredits({ pageSize: '51' });
      assert.equal(res.status, 400);
    });

  // -------------------------------------------------------- getCreditDetails
  await pact
    .addInteraction()
    .given('an account has an active credit', { accountId: ACCOUNT, creditId: CREDIT_ID })
    .uponReceiving("a request for a credit's details")
    .withRequest('GET', fromProviderState('/credits/${creditId}', `/credits/${CREDIT_ID}`), (b) =>
      b.headers(authorized),
    )
    .willRespondWith(200, (b) =>
      b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({
        ...credit({ status: 'ACTIVE' }),
        transactions: eachLike({
          id: like('ctxn.pactRefTxn0.00001'),
          creditId: like(CREDIT_ID),
          transactionType: regex('^(CREDITED|DEBITED|EXPIRED|VOIDED)$', 'CREDITED'),
          amount: like(1000),
          createdAt: regex(ISO_INSTANT, '2025-01-01T00:00:00.000Z'),
        }),
      }),
    )
    .executeTest(async (server) => {
      const res = await client(server.url).creditDetails(CREDIT_ID);
      assert.equal(res.status, 200);
      assert.equal(res.body.transactions[0].transactionType, 'CREDITED');
    });

  await pact
    .addInteraction()
    .given('no credit exists', { creditId: MISSING_CREDIT_ID })
    .uponReceiving('a request for the details of a credit that does not exist')
    .withRequest('GET', `/credits/${MISSING_CREDIT_ID}`, (b) => b.headers(authorized))
    .willRespondWith(404, (b) => b.headers({ 'Content-Type': JSON_TYPE }).jsonBody(errorBody))
    .executeTest(async (server) => {
      const res = await client(server.url).creditDetails(MISSING_CREDIT_ID);
      assert.equal(res.status, 404);
    });

  // -------------------------------------------------------------- voidCredit
  await pact
    .addInteraction()
    .given('an account has an active credit', { accountId: ACCOUNT, creditId: CREDIT_ID })
    .uponReceiving('a request to void an active credit')
    .withRequest('POST', fromProviderState('/credits/${creditId}/void', `/credits/${CREDIT_ID}/void`), (b) =>
      b.headers(authorized),
    )
    .willRespondWith(200, (b) => b.headers({ 'Content-Type': JSON_TYPE }).jsonBody(credit({ status: 'VOIDED' })))
    .executeTest(async (server) => {
      const res = await client(server.url).voidCredit(CREDIT_ID);
      assert.equal(res.status, 200);
      assert.equal(res.body.status, 'VOIDED');
    });

  await pact
    .addInteraction()
    .given('a credit is voided', { accountId: ACCOUNT, creditId: CREDIT_ID })
    .uponReceiving('a request to void a credit that is already voided')
    .withRequest('POST', fromProviderState('/credits/${creditId}/void', `/credits/${CREDIT_ID}/void`), (b) =>
      b.headers(authorized),
    )
    .willRespondWith(400, (b) => b.headers({ 'Content-Type': JSON_TYPE }).jsonBody(errorBody))
    .executeTest(async (server) => {
      const res = await client(server.url).voidCredit(CREDIT_ID);
      assert.equal(res.status, 400);
    });

  await pact
    .addInteraction()
    .given('no credit exists', { creditId: MISSING_CREDIT_ID })
    .uponReceiving('a request to void a credit that does not exist')
    .withRequest('POST', `/credits/${MISSING_CREDIT_ID}/void`, (b) => b.headers(authorized))
    .willRespondWith(404, (b) => b.headers({ 'Content-Type': JSON_TYPE }).jsonBody(errorBody))
    .executeTest(async (server) => {
      const res = await client(server.url).voidCredit(MISSING_CREDIT_ID);
      assert.equal(res.status, 404);
    });

  // ------------------------------------------------- CreditBalanceForAccount
  await pact
    .addInteraction()
    .given('an account has an active credit', { accountId: ACCOUNT, creditId: CREDIT_ID, creditAmount: 1000 })
    .given('an account has consumed credits', { accountId: ACCOUNT, amount: 200 })
    .uponReceiving("a request for an account's credit balance, with an API key")
    .withRequest('GET', `/accounts/${ACCOUNT}/credit_balance`, (b) =>
      b.headers({ 'X-API-Key': like('consumer-test-key') }),
    )
    .willRespondWith(200, (b) =>
      b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({
        activeCredits: like(1000),
        availableBalance: like(800),
        runningBalance: like(800),
        inapplicableCredits: like(0),
        unit: like('USD'),
        lastUpdatedAt: regex(ISO_INSTANT, '2025-01-01T00:00:00.000Z'),
      }),
    )
    .executeTest(async (server) => {
      const res = await client(server.url, 'apiKey').creditBalance(ACCOUNT);
      assert.equal(res.status, 200);
      assert.equal(res.body.availableBalance, 800);
    });

  await pact
    .addInteraction()
    .uponReceiving("a request for an account's credit balance without credentials")
    .withRequest('GET', `/accounts/${ACCOUNT}/credit_balance`)
    .willRespondWith(401, (b) => b.headers({ 'Content-Type': JSON_TYPE }).jsonBody(errorBody))
    .executeTest(async (server) => {
      const res = await client(server.url, 'none').creditBalance(ACCOUNT);
      assert.equal(res.status, 401);
    });
}
