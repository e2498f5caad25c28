// The reference consumer's Pact tests: every operation the reference client
// uses (credits, and the customers, accounts, wallet and events around them),
// with success and error cases, written with Pact V4 and the V3 matchers,
// using the provider state vocabulary of togai-mock.
//
// Runs outside vitest as well (`npm run pacts:update` writes contracts/pacts/
// through test/contract/update-pacts.ts), so it asserts with node:assert.
// Everything in it is fixed (ids, dates, amounts): regenerating gives
// byte-identical pact files, which test/contract/consumer.test.ts checks.
// Event timestamps are the one exception on the provider side: Pact
// generates them at verification time (a fixed instant would fall out of
// the grace period), from a fixed example here.

import assert from 'node:assert/strict';
import { MatchersV3, PactV4 } from '@pact-foundation/pact';
import type { V4RequestBuilder } from '@pact-foundation/pact/src/v4/http/types.js';
import { TogaiCreditsClient } from './reference-client.js';

const { like, eachLike, regex, integer, fromProviderState, boolean } = MatchersV3;

export const CONSUMER = 'togai-mock-reference-consumer';
export const PROVIDER = 'togai-credits-api';

/** Fixed names the pact refers to; a sandbox needs these accounts to exist. */
export const ACCOUNT = 'togai-mock-pact-acc-1';
const CREDIT_ID = 'cred.pactRefCred.00001';
const MISSING_CREDIT_ID = 'cred.pactMissing.00000';
const TOKEN_EXAMPLE = 'Bearer consumer-test-token';
/** Customers, accounts and events of the accounts operations; states make the existing ones. */
const CUSTOMER = 'togai-mock-pact-cus-1';
const NEW_CUSTOMER = 'togai-mock-pact-cus-2';
const NEW_ACCOUNT = 'togai-mock-pact-acc-2';
const SECOND_ACCOUNT = 'togai-mock-pact-acc-3';
/** The account the delete interaction archives; on a real Togai a fresh id each run (via `${accountId}`). */
const DELETED_ACCOUNT = 'togai-mock-pact-acc-9';
const EVENT_ID = 'togai-mock-pact-evt-1';
const MISSING = 'togai-mock-pact-missing';

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

  await writeAccountInteractions(pact, client);
}

type Client = (url: string) => TogaiCreditsClient;

/** A Togai account as the reference consumer relies on it. */
function account(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: like(ACCOUNT),
    togaiAccountId: like('account.pactRefAcc0.00001'),
    togaiCustomerId: like('customer.pactRefCus0.00001'),
    name: like('Account togai-mock-pact-acc-1'),
    customerId: like(CUSTOMER),
    invoiceCurrency: regex('^[A-Z]{3}$', 'USD'),
    status: regex('^(ACTIVE|DRAFT|ARCHIVED)$', 'ACTIVE'),
    ...fields,
  };
}

const wallet = (fields: Record<string, unknown> = {}) => ({
  id: like('wallet.pactRefWal0.00001'),
  accountId: ACCOUNT,
  customerId: like(ACCOUNT),
  balance: like(500),
  creditUnit: regex('^[A-Z]{3}$', 'USD'),
  status: regex('^(ACTIVE|INACTIVE)$', 'ACTIVE'),
  effectiveFrom: regex(ISO_INSTANT, '2025-01-01T00:00:00.000Z'),
  ...fields,
});

/**
 * An instant matched by its format, generated at verification time (Pact's
 * DateTime generator). MatchersV3.datetime() drops the generator when given
 * an example, and the pact needs a fixed example to stay byte-identical:
 * hence the matcher written out.
 */
const NOW_AT_VERIFICATION = {
  'pact:matcher:type': 'timestamp',
  'pact:generator:type': 'DateTime',
  format: "yyyy-MM-dd'T'HH:mm:ssXXX",
  value: '2025-06-01T12:00:00Z',
};

/** An event sent now (Pact makes the timestamp at verification), of the account `accountId`. */
const eventNow = (id: string, accountId: string) => ({
  id,
  accountId,
  schemaName: 'rides',
  timestamp: NOW_AT_VERIFICATION,
  attributes: [{ name: 'distance', value: '12.5', unit: 'km' }],
  dimensions: { city: 'Chennai' },
});

/** eventNow() as the consumer sends it in its own test (an instant now). */
const sentNow = (id: string, accountId: string) => ({
  ...eventNow(id, accountId),
  timestamp: `${new Date().toISOString().slice(0, 19)}Z`,
});

const storedEvent = (fields: Record<string, unknown> = {}) => ({
  referenceId: like('evt_0000000001'),
  eventPayload: like({ id: EVENT_ID, accountId: ACCOUNT, schemaName: 'provider_state' }),
  ingestionStatus: { status: regex('^[A-Z_]+$', 'INGESTION_COMPLETED_NO_MATCHING_METERS') },
  createdAt: regex(ISO_INSTANT, '2025-01-01T00:00:00.000Z'),
  ...fields,
});

const json = (b: V4RequestBuilder): V4RequestBuilder =>
  b.headers({ ...authorized, 'Content-Type': 'application/json' });

async function writeAccountInteractions(pact: PactV4, client: Client): Promise<void> {
  // ---------------------------------------------------------- createCustomer
  const newCustomer = {
    id: NEW_CUSTOMER,
    name: 'Pact Reference Customer',
    primaryEmail: 'pact-reference@example.com',
    address: { country: 'IN' },
    account: { id: NEW_ACCOUNT, name: 'Pact reference account', invoiceCurrency: 'EUR' },
  };
  await pact
    .addInteraction()
    // Any state will do on togai-mock: its teardown removes the customer this request makes, so
    // the pact verifies again on the same mock.
    .given('a customer exists', { customerId: CUSTOMER })
    .uponReceiving('a request to create a customer with an account')
    .withRequest('POST', '/customers', (b) => json(b).jsonBody(newCustomer))
    .willRespondWith(201, (b) =>
      b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({
        id: NEW_CUSTOMER,
        togaiCustomerId: like('customer.pactRefCus0.00002'),
        name: 'Pact Reference Customer',
        primaryEmail: 'pact-reference@example.com',
        account: account({ id: NEW_ACCOUNT, customerId: NEW_CUSTOMER, invoiceCurrency: 'EUR' }),
      }),
    )
    .executeTest(async (server) => {
      const res = await client(server.url).createCustomer(newCustomer);
      assert.equal(res.status, 201);
      assert.equal(res.body.account.invoiceCurrency, 'EUR');
    });

  const { account: _account, ...bare } = newCustomer;
  const badCustomer = { ...bare, id: 'togai-mock-pact-cus-3', name: 'ab' };
  await pact
    .addInteraction()
    .uponReceiving('a request to create a customer with a name too short')
    .withRequest('POST', '/customers', (b) => json(b).jsonBody(badCustomer))
    .willRespondWith(400, (b) => b.headers({ 'Content-Type': JSON_TYPE }).jsonBody(errorBody))
    .executeTest(async (server) => {
      assert.equal((await client(server.url).createCustomer(badCustomer)).status, 400);
    });

  // ------------------------------------------------------------- getCustomer
  await pact
    .addInteraction()
    .given('a customer exists', { customerId: CUSTOMER })
    .uponReceiving('a request for a customer')
    .withRequest('GET', fromProviderState('/customers/${customerId}', `/customers/${CUSTOMER}`), (b) =>
      b.headers(authorized),
    )
    .willRespondWith(200, (b) =>
      b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({
        id: like(CUSTOMER),
        togaiCustomerId: like('customer.pactRefCus0.00001'),
        name: like('Customer togai-mock-pact-cus-1'),
        primaryEmail: like('togai-mock-pact-cus-1@example.com'),
        billingAddress: like(''),
        address: like({}),
        status: regex('^(ACTIVE|ARCHIVED)$', 'ACTIVE'),
        createdAt: regex(ISO_INSTANT, '2025-01-01T00:00:00.000Z'),
        updatedAt: regex(ISO_INSTANT, '2025-01-01T00:00:00.000Z'),
      }),
    )
    .executeTest(async (server) => {
      const res = await client(server.url).getCustomer(CUSTOMER);
      assert.equal(res.status, 200);
      assert.equal(res.body.id, CUSTOMER);
    });

  await pact
    .addInteraction()
    .uponReceiving('a request for a customer that does not exist')
    .withRequest('GET', `/customers/${MISSING}`, (b) => b.headers(authorized))
    .willRespondWith(404, (b) => b.headers({ 'Content-Type': JSON_TYPE }).jsonBody(errorBody))
    .executeTest(async (server) => {
      assert.equal((await client(server.url).getCustomer(MISSING)).status, 404);
    });

  // ----------------------------------------------------------- createAccount
  const newAccount = { id: SECOND_ACCOUNT, name: 'Pact second account', customerId: CUSTOMER, invoiceCurrency: 'EUR' };
  await pact
    .addInteraction()
    .given('a customer exists', { customerId: CUSTOMER })
    .uponReceiving('a request to create an account of a customer')
    .withRequest('POST', '/accounts', (b) =>
      json(b).jsonBody({ ...newAccount, customerId: fromProviderState('${customerId}', CUSTOMER) }),
    )
    .willRespondWith(201, (b) =>
      b
        .headers({ 'Content-Type': JSON_TYPE })
        .jsonBody(
          account({ id: SECOND_ACCOUNT, customerId: like(CUSTOMER), invoiceCurrency: 'EUR', status: 'ACTIVE' }),
        ),
    )
    .executeTest(async (server) => {
      const res = await client(server.url).createAccount(newAccount);
      assert.equal(res.status, 201);
      assert.equal(res.body.customerId, CUSTOMER);
    });

  const orphan = { ...newAccount, customerId: MISSING };
  await pact
    .addInteraction()
    .uponReceiving('a request to create an account of a customer that does not exist')
    .withRequest('POST', '/accounts', (b) => json(b).jsonBody(orphan))
    .willRespondWith(404, (b) => b.headers({ 'Content-Type': JSON_TYPE }).jsonBody(errorBody))
    .executeTest(async (server) => {
      assert.equal((await client(server.url).createAccount(orphan)).status, 404);
    });

  // -------------------------------------------------------------- getAccount
  await pact
    .addInteraction()
    .given('an account exists', { accountId: ACCOUNT, customerId: CUSTOMER })
    .uponReceiving('a request for an account')
    .withRequest('GET', `/accounts/${ACCOUNT}`, (b) => b.headers(authorized))
    .willRespondWith(200, (b) => b.headers({ 'Content-Type': JSON_TYPE }).jsonBody(account({ id: ACCOUNT })))
    .executeTest(async (server) => {
      const res = await client(server.url).getAccount(ACCOUNT);
      assert.equal(res.status, 200);
      assert.equal(res.body.id, ACCOUNT);
    });

  await pact
    .addInteraction()
    .uponReceiving('a request for an account that does not exist')
    .withRequest('GET', `/accounts/${MISSING}`, (b) => b.headers(authorized))
    .willRespondWith(404, (b) => b.headers({ 'Content-Type': JSON_TYPE }).jsonBody(errorBody))
    .executeTest(async (server) => {
      assert.equal((await client(server.url).getAccount(MISSING)).status, 404);
    });

  // -------------------------------------------------------------- addAliases
  await pact
    .addInteraction()
    .given('an account exists', { accountId: ACCOUNT })
    .uponReceiving('a request to add an alias to an account')
    .withRequest('POST', `/accounts/${ACCOUNT}/add_aliases`, (b) => json(b).jsonBody({ aliases: ['pact-alias-1'] }))
    .willRespondWith(200, (b) =>
      b
        .headers({ 'Content-Type': JSON_TYPE })
        .jsonBody(account({ aliases: eachLike({ alias: like('pact-alias-1') }) })),
    )
    .executeTest(async (server) => {
      const res = await client(server.url).addAliases(ACCOUNT, ['pact-alias-1']);
      assert.equal(res.status, 200);
    });

  await pact
    .addInteraction()
    .given('an account exists', { accountId: ACCOUNT })
    .uponReceiving('a request to add an alias that is too short')
    .withRequest('POST', `/accounts/${ACCOUNT}/add_aliases`, (b) => json(b).jsonBody({ aliases: ['a'] }))
    .willRespondWith(400, (b) => b.headers({ 'Content-Type': JSON_TYPE }).jsonBody(errorBody))
    .executeTest(async (server) => {
      assert.equal((await client(server.url).addAliases(ACCOUNT, ['a'])).status, 400);
    });

  // --------------------------------------------------- topUpWalletForAccount
  await pact
    .addInteraction()
    .given('an account exists', { accountId: ACCOUNT })
    .uponReceiving("a request to top up an account's wallet")
    .withRequest('POST', `/accounts/${ACCOUNT}/wallet_topup`, (b) => json(b).jsonBody({ topupAmount: 500 }))
    .willRespondWith(200, (b) => b.headers({ 'Content-Type': JSON_TYPE }).jsonBody(wallet({ balance: like(500) })))
    .executeTest(async (server) => {
      const res = await client(server.url).topUpWallet(ACCOUNT, 500);
      assert.equal(res.status, 200);
      assert.equal(res.body.balance, 500);
    });

  await pact
    .addInteraction()
    .given('an account exists', { accountId: ACCOUNT })
    .uponReceiving('a request to top up a wallet by nothing')
    .withRequest('POST', `/accounts/${ACCOUNT}/wallet_topup`, (b) => json(b).jsonBody({ topupAmount: 0 }))
    .willRespondWith(400, (b) => b.headers({ 'Content-Type': JSON_TYPE }).jsonBody(errorBody))
    .executeTest(async (server) => {
      assert.equal((await client(server.url).topUpWallet(ACCOUNT, 0)).status, 400);
    });

  // ------------------------------------------ WalletBalanceForAccount, entries
  await pact
    .addInteraction()
    .given('an account has a wallet balance', { accountId: ACCOUNT, balance: 500 })
    .uponReceiving("a request for an account's wallet")
    .withRequest('GET', `/accounts/${ACCOUNT}/wallet`, (b) => b.headers(authorized))
    .willRespondWith(200, (b) => b.headers({ 'Content-Type': JSON_TYPE }).jsonBody(wallet({ balance: like(500) })))
    .executeTest(async (server) => {
      const res = await client(server.url).walletBalance(ACCOUNT);
      assert.equal(res.body.balance, 500);
    });

  await pact
    .addInteraction()
    .uponReceiving('a request for the wallet of an account that does not exist')
    .withRequest('GET', `/accounts/${MISSING}/wallet`, (b) => b.headers(authorized))
    .willRespondWith(404, (b) => b.headers({ 'Content-Type': JSON_TYPE }).jsonBody(errorBody))
    .executeTest(async (server) => {
      assert.equal((await client(server.url).walletBalance(MISSING)).status, 404);
    });

  await pact
    .addInteraction()
    .given('an account has a wallet balance', { accountId: ACCOUNT, balance: 500 })
    .uponReceiving("a request for an account's wallet entries")
    .withRequest('GET', `/accounts/${ACCOUNT}/wallet/entries`, (b) => b.headers(authorized))
    .willRespondWith(200, (b) =>
      b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({
        data: eachLike({
          id: like('wentry.pactRefEnt0.00001'),
          walletId: like('wallet.pactRefWal0.00001'),
          transactionType: regex('^(CREDITED|DEBITED)$', 'CREDITED'),
          status: regex('^(COMPLETED|ON_HOLD)$', 'COMPLETED'),
          amount: like(500),
          createdAt: regex(ISO_INSTANT, '2025-01-01T00:00:00.000Z'),
          closingBalance: like(500),
        }),
      }),
    )
    .executeTest(async (server) => {
      const res = await client(server.url).walletEntries(ACCOUNT);
      assert.equal(res.body.data[0].transactionType, 'CREDITED');
    });

  // ------------------------------------------------------ ingest, ingestBatch
  await pact
    .addInteraction()
    .given('an account exists', { accountId: ACCOUNT })
    .uponReceiving('a usage event')
    .withRequest('POST', '/ingest', (b) => json(b).jsonBody({ event: eventNow('pact-ride-1', ACCOUNT) }))
    .willRespondWith(202, (b) =>
      b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({ success: boolean(true), message: like('ingested') }),
    )
    .executeTest(async (server) => {
      assert.equal((await client(server.url).ingest(sentNow('pact-ride-1', ACCOUNT))).status, 202);
    });

  const noTimestamp = { id: 'pact-ride-0', accountId: ACCOUNT, schemaName: 'rides', attributes: [], dimensions: {} };
  await pact
    .addInteraction()
    .uponReceiving('a usage event without a timestamp')
    .withRequest('POST', '/ingest', (b) => json(b).jsonBody({ event: noTimestamp }))
    .willRespondWith(400, (b) => b.headers({ 'Content-Type': JSON_TYPE }).jsonBody(errorBody))
    .executeTest(async (server) => {
      assert.equal((await client(server.url).ingest(noTimestamp)).status, 400);
    });

  await pact
    .addInteraction()
    .given('an account exists', { accountId: ACCOUNT })
    .uponReceiving('a batch of usage events that all complete')
    .withRequest('POST', '/ingestBatch', (b) =>
      json(b).jsonBody({ events: [eventNow('pact-ride-2', ACCOUNT), eventNow('pact-ride-3', ACCOUNT)] }),
    )
    .willRespondWith(202, (b) => b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({ success: boolean(true) }))
    .executeTest(async (server) => {
      const res = await client(server.url).ingestBatch([
        sentNow('pact-ride-2', ACCOUNT),
        sentNow('pact-ride-3', ACCOUNT),
      ]);
      assert.equal(res.status, 202);
    });

  await pact
    .addInteraction()
    .given('an account exists', { accountId: ACCOUNT })
    .uponReceiving('a batch of usage events, one of them for an account that does not exist')
    .withRequest('POST', '/ingestBatch', (b) =>
      json(b).jsonBody({ events: [eventNow('pact-ride-4', ACCOUNT), eventNow('pact-ride-5', MISSING)] }),
    )
    .willRespondWith(207, (b) =>
      b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({ success: false, message: like('1 of 2 events failed') }),
    )
    .executeTest(async (server) => {
      const res = await client(server.url).ingestBatch([
        sentNow('pact-ride-4', ACCOUNT),
        sentNow('pact-ride-5', MISSING),
      ]);
      assert.equal(res.status, 207);
    });

  // ------------------------------------------------- getEvents, getSingleEvent
  await pact
    .addInteraction()
    .given('an event was ingested', { accountId: ACCOUNT, eventId: EVENT_ID })
    .uponReceiving("a request for an account's events")
    .withRequest('GET', '/events', (b) => b.headers(authorized).query({ account_id: ACCOUNT }))
    .willRespondWith(200, (b) => b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({ events: eachLike(storedEvent()) }))
    .executeTest(async (server) => {
      const res = await client(server.url).events({ account_id: ACCOUNT });
      assert.ok(res.body.events.length >= 1);
    });

  await pact
    .addInteraction()
    .uponReceiving('a request for events with a page size above 50')
    .withRequest('GET', '/events', (b) => b.headers(authorized).query({ pageSize: '51' }))
    .willRespondWith(400, (b) => b.headers({ 'Content-Type': JSON_TYPE }).jsonBody(errorBody))
    .executeTest(async (server) => {
      assert.equal((await client(server.url).events({ pageSize: '51' })).status, 400);
    });

  await pact
    .addInteraction()
    .given('an event was ingested', { accountId: ACCOUNT, eventId: EVENT_ID })
    .uponReceiving('a request for an event')
    .withRequest('GET', `/events/${EVENT_ID}`, (b) => b.headers(authorized))
    .willRespondWith(200, (b) =>
      b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({
        events: eachLike(storedEvent({ eventPipelineInfo: like({}) })),
      }),
    )
    .executeTest(async (server) => {
      const res = await client(server.url).event(EVENT_ID);
      assert.equal(res.status, 200);
    });

  await pact
    .addInteraction()
    .uponReceiving('a request for an event that does not exist')
    .withRequest('GET', `/events/${MISSING}`, (b) => b.headers(authorized))
    .willRespondWith(404, (b) => b.headers({ 'Content-Type': JSON_TYPE }).jsonBody(errorBody))
    .executeTest(async (server) => {
      assert.equal((await client(server.url).event(MISSING)).status, 404);
    });

  // --------------------------------------------------------- eventCorrection
  const undo = {
    id: EVENT_ID,
    accountId: ACCOUNT,
    schemaName: 'provider_state',
    timestamp: '2025-06-01T12:00:00Z',
    attributes: [],
    dimensions: {},
  };
  await pact
    .addInteraction()
    .given('an event was ingested', { accountId: ACCOUNT, eventId: EVENT_ID })
    .uponReceiving('a request to undo an event')
    .withRequest('POST', '/events/correction', (b) => json(b).query({ action: 'UNDO' }).jsonBody({ event: undo }))
    .willRespondWith(200, (b) =>
      b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({
        data: eachLike(storedEvent({ status: like('REVERTED'), reason: like('reverted') })),
      }),
    )
    .executeTest(async (server) => {
      const res = await client(server.url).correctEvent('UNDO', undo);
      assert.equal(res.status, 200);
    });

  await pact
    .addInteraction()
    .uponReceiving('a request to undo an event that does not exist')
    .withRequest('POST', '/events/correction', (b) =>
      json(b)
        .query({ action: 'UNDO' })
        .jsonBody({ event: { ...undo, id: MISSING } }),
    )
    .willRespondWith(404, (b) => b.headers({ 'Content-Type': JSON_TYPE }).jsonBody(errorBody))
    .executeTest(async (server) => {
      assert.equal((await client(server.url).correctEvent('UNDO', { ...undo, id: MISSING })).status, 404);
    });

  // ----------------------------------------------------------- deleteAccount
  await pact
    .addInteraction()
    .given('an account exists', { accountId: DELETED_ACCOUNT })
    .uponReceiving('a request to delete an account')
    .withRequest('DELETE', fromProviderState('/accounts/${accountId}', `/accounts/${DELETED_ACCOUNT}`), (b) =>
      b.headers(authorized),
    )
    .willRespondWith(200, (b) => b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({ success: true }))
    .executeTest(async (server) => {
      assert.equal((await client(server.url).deleteAccount(DELETED_ACCOUNT)).status, 200);
    });

  await pact
    .addInteraction()
    .uponReceiving('a request to delete an account that does not exist')
    .withRequest('DELETE', `/accounts/${MISSING}`, (b) => b.headers(authorized))
    .willRespondWith(404, (b) => b.headers({ 'Content-Type': JSON_TYPE }).jsonBody(errorBody))
    .executeTest(async (server) => {
      assert.equal((await client(server.url).deleteAccount(MISSING)).status, 404);
    });
}
