// The onboarding a team integrating Togai writes, end to end, through strict
// clients generated from spec/ (test/client/): a customer with its account, an
// alias, a welcome credit in the account's currency, wallet top-ups, usage
// events by id and by alias, the failures Togai reports for events, 404s for
// unknown ids, and deletion. Any answer the spec does not allow makes the
// client throw, so the flow fails on a mock that drifts from the spec even
// where the assertions below would not look.
//
// It runs on one in-process mock (with the mock's response self-check on);
// again with --strict-accounts and the self-check off, so that the strict
// clients alone judge the answers; and on two replicas sharing one Redis, each
// change made through one replica and read back through the other, alternating.

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as accounts from '../client/generated/accounts/index.js';
import * as credits from '../client/generated/credits/index.js';
import { accountsClient, creditsClient, rejection, type StrictClient } from '../client/strict.js';
import { startTestMock, type TestMock } from '../helpers/mock.js';
import { redisAvailable, TestRedis, warnIfRedisMissing } from '../helpers/redis.js';
import { ReplicaGroup, type Replica } from '../helpers/replicas.js';

// Child processes and a build on a busy 2-core machine (the replica half).
vi.setConfig({ testTimeout: 120_000, hookTimeout: 400_000 });
warnIfRedisMissing('the onboarding flow on two replicas (test/e2e/onboarding.test.ts)');

/** One mock process as the flow sees it: the two strict clients and the control API. */
interface Side {
  name: string;
  credits: StrictClient;
  accounts: StrictClient;
  /** A control API call; JSON in, status and JSON out. */
  control(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

const NOW = '2024-06-01T12:00:00.000Z';
/** An hour before the frozen clock: inside any grace period. */
const EVENT_TIME = '2024-06-01T11:00:00.000Z';
const COMPLETED = 'INGESTION_COMPLETED_NO_MATCHING_METERS';

const usage = (id: string, accountId: string, calls = '1') => ({
  id,
  schemaName: 'api_calls',
  timestamp: EVENT_TIME,
  accountId,
  attributes: [{ name: 'calls', value: calls }],
  dimensions: { region: 'eu' },
});

/** Every item of a cursor-paged list, following nextToken, asking the sides in turn. */
async function allPages<T>(
  sides: Side[],
  page: (side: Side, nextToken: string | undefined) => Promise<{ items: T[]; nextToken?: string | undefined }>,
): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  let i = 0;
  do {
    const { items, nextToken } = await page(sides[i++ % sides.length]!, token);
    out.push(...items);
    token = nextToken;
  } while (token !== undefined);
  return out;
}

/**
 * The whole onboarding. Step i is made through sides[i % n] and read back
 * through sides[(i + 1) % n]; `p` prefixes every id so runs never meet.
 */
async function onboarding(sides: Side[], p: string): Promise<void> {
  let step = 0;
  /** The side that makes the next change, and the one that reads it back. */
  const next = (): [Side, Side] => {
    const writer = sides[step % sides.length]!;
    const reader = sides[++step % sides.length]!;
    return [writer, reader];
  };
  const customerId = `${p}-CUS`;
  const accountId = `${p}-ACC`;
  const otherAccountId = `${p}-ACC2`;
  const alias = `${p.toLowerCase()}-primary`;

  await freezeClock(sides[0]!);

  // --- A customer with its account, read back: both carry Togai's generated ids.
  let togaiCustomerId: string;
  let togaiAccountId: string;
  {
    const [w, r] = next();
    const made = await accounts.createCustomer<true>({
      client: w.accounts,
      body: {
        id: customerId,
        name: 'Acme Onboarding',
        primaryEmail: 'billing@acme.example',
        address: { line1: '1 Main Street', city: 'Berlin', postalCode: '10115', country: 'DE' },
        account: { id: accountId, name: 'Acme main account', invoiceCurrency: 'EUR' },
      },
    });
    expect(made.response.status).toBe(201);
    expect(made.data).toMatchObject({ id: customerId, name: 'Acme Onboarding', primaryEmail: 'billing@acme.example' });
    togaiCustomerId = made.data.togaiCustomerId;
    expect(togaiCustomerId).toMatch(/\S/);
    expect(made.data.account).toMatchObject({
      id: accountId,
      customerId,
      togaiCustomerId,
      name: 'Acme main account',
      invoiceCurrency: 'EUR',
      status: 'ACTIVE',
    });
    togaiAccountId = made.data.account!.togaiAccountId;
    expect(togaiAccountId).toMatch(/\S/);

    const customer = await accounts.getCustomer<true>({ client: r.accounts, path: { customer_id: customerId } });
    expect(customer.data).toMatchObject({
      id: customerId,
      togaiCustomerId,
      status: 'ACTIVE',
      address: { city: 'Berlin', country: 'DE' },
    });
    const account = await accounts.getAccount<true>({ client: r.accounts, path: { account_id: accountId } });
    expect(account.data).toMatchObject({ id: accountId, togaiAccountId, customerId, invoiceCurrency: 'EUR' });

    // A contact for the customer: its password is taken, never given back.
    const contact = await accounts.createCustomerContact<true>({
      client: w.accounts,
      path: { customer_id: customerId },
      body: {
        name: 'Ada Billing',
        email: 'ada@acme.example',
        preferredUsername: 'adabilling',
        password: 'Onboarding-Secret-1',
        loginAccess: true,
      },
    });
    expect(contact.response.status).toBe(201);
    expect(contact.data).toMatchObject({ name: 'Ada Billing', email: 'ada@acme.example', loginAccess: true });
    expect(contact.data).not.toHaveProperty('password');
    expect(JSON.stringify(contact.data)).not.toContain('Onboarding-Secret-1');

    const listedCustomers = await allPages(sides, async (s, nextToken) => {
      const { data } = await accounts.getCustomers<true>({ client: s.accounts, query: { pageSize: 2, nextToken } });
      return { items: data.data ?? [], nextToken: data.nextToken };
    });
    expect(listedCustomers.map((c) => c.id)).toContain(customerId);
  }

  // --- A second account of the same customer, through POST /accounts.
  {
    const [w, r] = next();
    const made = await accounts.createAccount<true>({
      client: w.accounts,
      body: { id: otherAccountId, customerId, name: 'Acme second account', invoiceCurrency: 'EUR' },
    });
    expect(made.response.status).toBeLessThan(300);
    expect(made.data).toMatchObject({ id: otherAccountId, customerId, togaiCustomerId, status: 'ACTIVE' });
    const listed = await allPages(sides, async (s, nextToken) => {
      const { data } = await accounts.getAccounts<true>({ client: s.accounts, query: { pageSize: 2, nextToken } });
      return { items: data.data ?? [], nextToken: data.nextToken };
    });
    expect(
      listed
        .filter((a) => a.customerId === customerId)
        .map((a) => a.id)
        .sort(),
    ).toEqual([accountId, otherAccountId]);
    const read = await accounts.getAccount<true>({ client: r.accounts, path: { account_id: otherAccountId } });
    expect(read.data).toMatchObject({ id: otherAccountId, togaiAccountId: made.data.togaiAccountId, customerId });
    expect(read.data.togaiAccountId).not.toBe(togaiAccountId);
  }

  // --- An alias for the account; another account cannot claim it while it is effective.
  {
    const [w, r] = next();
    const added = await accounts.addAliases<true>({
      client: w.accounts,
      path: { account_id: accountId },
      body: { aliases: [alias] },
    });
    expect(added.data.id).toBe(accountId);
    const listed = await accounts.listAccountAliases<true>({ client: r.accounts, path: { account_id: accountId } });
    expect(JSON.stringify(listed.data)).toContain(alias);
    const account = await accounts.getAccount<true>({ client: r.accounts, path: { account_id: accountId } });
    expect(account.data.aliases).toContainEqual({ alias });

    const taken = await rejection(
      accounts.addAliases<true>({
        client: r.accounts,
        path: { account_id: otherAccountId },
        body: { aliases: [alias] },
      }),
    );
    expect(taken.status).toBe(400);
    expect(JSON.stringify(taken.body)).toContain(alias);
  }

  // --- A welcome credit: its customer and currency come from the account.
  let creditId: string;
  {
    const [w, r] = next();
    const granted = await credits.createCredit<true>({
      client: w.credits,
      body: {
        creditRequests: [
          {
            accountId,
            purpose: 'welcome',
            effectiveFrom: '2024-06-01',
            effectiveUntil: '2024-12-31',
            creditAmount: 500,
            priority: 1,
          },
        ],
      },
    });
    const credit = granted.data.credits[0]!;
    expect(credit).toMatchObject({ accountId, customerId, creditUnit: 'EUR', status: 'ACTIVE' });
    creditId = credit.id;
    const details = await credits.getCreditDetails<true>({ client: r.credits, path: { credit_id: creditId } });
    expect(details.data).toMatchObject({ id: creditId, customerId, creditUnit: 'EUR' });
    const balance = await credits.creditBalanceForAccount<true>({ client: r.credits, path: { account_id: accountId } });
    expect(balance.data).toMatchObject({ availableBalance: 500 });
  }

  // --- The wallet: there from the account's creation, moved only by entries.
  {
    const [w, r] = next();
    const empty = await accounts.walletBalanceForAccount<true>({ client: r.accounts, path: { account_id: accountId } });
    expect(empty.data).toMatchObject({ accountId, customerId, balance: 0, creditUnit: 'EUR', status: 'ACTIVE' });
    const first = await accounts.topUpWalletForAccount<true>({
      client: w.accounts,
      path: { account_id: accountId },
      body: { topupAmount: 100 },
    });
    expect(first.data).toMatchObject({ accountId, balance: 100 });
    const second = await accounts.topUpWalletForAccount<true>({
      client: r.accounts,
      path: { account_id: accountId },
      body: { topupAmount: 50 },
    });
    expect(second.data).toMatchObject({ accountId, balance: 150 });
    // Where Togai's invoices would draw on the wallet: a debit and a hold, through the control API.
    const debit = await w.control('POST', `/_mock/accounts/${accountId}/wallet/debit`, {
      amount: 30,
      invoiceId: `${p}-inv-1`,
    });
    expect(debit.status, JSON.stringify(debit.body)).toBe(200);
    const hold = await r.control('POST', `/_mock/accounts/${accountId}/wallet/debit`, {
      amount: 20,
      invoiceId: `${p}-inv-2`,
      hold: true,
    });
    expect(hold.status, JSON.stringify(hold.body)).toBe(200);
    const wallet = await accounts.walletBalanceForAccount<true>({
      client: w.accounts,
      path: { account_id: accountId },
    });
    expect(wallet.data).toMatchObject({ balance: 100, holdAmount: 20 });
    const entries = await allPages(sides, async (s, nextToken) => {
      const { data } = await accounts.walletEntriesForAccount<true>({
        client: s.accounts,
        path: { account_id: accountId },
        query: { pageSize: 1, nextToken },
      });
      return { items: data.data, nextToken: data.nextToken };
    });
    const moves = entries.map((e) => ({
      transactionType: e.transactionType,
      status: e.status,
      amount: e.amount,
      closingBalance: e.closingBalance,
      walletId: e.walletId,
    }));
    const walletId = wallet.data.id;
    expect(moves).toHaveLength(4);
    expect(moves).toEqual(
      expect.arrayContaining([
        { transactionType: 'CREDITED', status: 'COMPLETED', amount: 100, closingBalance: 100, walletId },
        { transactionType: 'CREDITED', status: 'COMPLETED', amount: 50, closingBalance: 150, walletId },
        { transactionType: 'DEBITED', status: 'COMPLETED', amount: 30, closingBalance: 120, walletId },
        { transactionType: 'DEBITED', status: 'ON_HOLD', amount: 20, closingBalance: 100, walletId },
      ]),
    );
  }

  // --- Usage events, by id and by alias, one at a time and in a batch.
  const byId = `${p}-ev-1`;
  const byAlias = `${p}-ev-2`;
  const batchById = `${p}-ev-3`;
  const batchByAlias = `${p}-ev-4`;
  {
    const [w, r] = next();
    const one = await accounts.ingest<true>({ client: w.accounts, body: { event: usage(byId, accountId, '3') } });
    expect(one.response.status).toBe(202);
    const two = await accounts.ingest<true>({ client: r.accounts, body: { event: usage(byAlias, alias, '4') } });
    expect(two.response.status).toBe(202);
    const batch = await accounts.ingestBatch<true>({
      client: w.accounts,
      body: { events: [usage(batchById, accountId, '5'), usage(batchByAlias, alias, '6')] },
    });
    expect(batch.response.status).toBe(202);

    // Listed under the account whichever way they named it, each with its own status.
    const listed = await allPages(sides, async (s, nextToken) => {
      const { data } = await accounts.getEvents<true>({
        client: s.accounts,
        query: { account_id: accountId, nextToken },
      });
      return { items: data.events, nextToken: data.nextToken };
    });
    const byEventId = new Map(listed.map((e) => [e.eventPayload.id, e]));
    expect([...byEventId.keys()].sort()).toEqual([byId, byAlias, batchById, batchByAlias].sort());
    for (const e of listed) {
      expect(e.ingestionStatus.status).toBe(COMPLETED);
      expect(e.referenceId).toMatch(/\S/);
    }
    expect(byEventId.get(byAlias)!.eventPayload.attributes).toEqual([{ name: 'calls', value: '4' }]);

    // One fetched by id, through the other side: the event sent by alias, with its pipeline details.
    const single = await accounts.getSingleEvent<true>({ client: r.accounts, path: { event_id: byAlias } });
    expect(single.data.events).toHaveLength(1);
    expect(single.data.events[0]).toMatchObject({
      eventPayload: { id: byAlias, schemaName: 'api_calls' },
      ingestionStatus: { status: COMPLETED },
    });
  }

  // --- An event for an unknown account, and a repeated id, are stored but never completed.
  const unknownAccountEvent = `${p}-ev-unknown`;
  const batchFresh = `${p}-ev-5`;
  const batchUnknown = `${p}-ev-6`;
  {
    const [w, r] = next();
    await settle(
      accounts.ingest<true>({ client: w.accounts, body: { event: usage(unknownAccountEvent, `${p}-NOPE`) } }),
    );
    const lost = await accounts.getSingleEvent<true>({ client: r.accounts, path: { event_id: unknownAccountEvent } });
    expect(lost.data.events.map((e) => e.ingestionStatus.status)).toEqual(['INGESTION_FAILED_ACCOUNT_NOT_FOUND']);

    // Again by itself: the first stays the only completed one.
    await settle(accounts.ingest<true>({ client: r.accounts, body: { event: usage(byId, accountId, '99') } }));
    // In a batch with a fresh event and an unknown account: 207, naming the failed ones.
    const mixed = await accounts.ingestBatch<true>({
      client: w.accounts,
      body: { events: [usage(batchFresh, accountId), usage(byAlias, alias, '98'), usage(batchUnknown, `${p}-NOPE`)] },
    });
    expect(mixed.response.status).toBe(207);
    const said = mixed.data.message ?? '';
    expect(said).toContain(batchUnknown);
    expect(said).toContain(byAlias);
    expect(said).not.toContain(batchFresh);

    for (const [id, calls] of [
      [byId, '3'],
      [byAlias, '4'],
    ] as const) {
      const fetched = await accounts.getSingleEvent<true>({
        client: sides[step % sides.length]!.accounts,
        path: { event_id: id },
      });
      const completed = fetched.data.events.filter((e) => e.ingestionStatus.status.startsWith('INGESTION_COMPLETED'));
      expect(completed, id).toHaveLength(1);
      expect(completed[0]!.eventPayload.attributes, id).toEqual([{ name: 'calls', value: calls }]);
      step++;
    }
    const duplicates = await allPages(sides, async (s, nextToken) => {
      const { data } = await accounts.getEvents<true>({
        client: s.accounts,
        query: { account_id: accountId, status: 'INGESTION_FAILED_DUPLICATE_EVENT', nextToken },
      });
      return { items: data.events, nextToken: data.nextToken };
    });
    expect(duplicates.map((e) => e.eventPayload.id).sort()).toEqual([byId, byAlias].sort());
    const completedNow = await allPages(sides, async (s, nextToken) => {
      const { data } = await accounts.getEvents<true>({
        client: s.accounts,
        query: { account_id: accountId, status: COMPLETED, nextToken },
      });
      return { items: data.events, nextToken: data.nextToken };
    });
    expect(completedNow.map((e) => e.eventPayload.id).sort()).toEqual(
      [byId, byAlias, batchById, batchByAlias, batchFresh].sort(),
    );
  }

  // --- Unknown ids: 404 with a Togai-style message, on every kind of id.
  {
    const [w, r] = next();
    const unknown = `${p}-MISSING`;
    const notFound = [
      () => accounts.getCustomer<true>({ client: r.accounts, path: { customer_id: unknown } }),
      () => accounts.getAccount<true>({ client: w.accounts, path: { account_id: unknown } }),
      () => accounts.walletBalanceForAccount<true>({ client: r.accounts, path: { account_id: unknown } }),
      () => accounts.listAccountAliases<true>({ client: w.accounts, path: { account_id: unknown } }),
      () => accounts.getSingleEvent<true>({ client: r.accounts, path: { event_id: unknown } }),
      () => credits.getCreditDetails<true>({ client: w.credits, path: { credit_id: unknown } }),
      () =>
        accounts.createAccount<true>({
          client: r.accounts,
          body: { id: `${p}-ACC3`, customerId: unknown, name: 'Nobody account' },
        }),
    ];
    // One at a time: each call is made only when its turn comes.
    for (const call of notFound) {
      const error = await rejection(call());
      expect(error.status, error.message).toBe(404);
      expect((error.body as { message?: unknown }).message, error.message).toEqual(expect.any(String));
    }
    // A taken id is a conflict, whichever replica is asked.
    const again = await rejection(
      accounts.createCustomer<true>({
        client: w.accounts,
        body: { id: customerId, name: 'Acme again', primaryEmail: 'again@acme.example', address: {} },
      }),
    );
    expect(again.status).toBe(409);
    expect(JSON.stringify(again.body)).toContain(customerId);
  }

  // --- Deletion archives: the customer and its accounts answer ARCHIVED, lists leave them out.
  {
    const [w, r] = next();
    const gone = await accounts.deleteAccount<true>({ client: w.accounts, path: { account_id: otherAccountId } });
    expect(gone.data.success).toBe(true);
    const archived = await accounts.getAccount<true>({ client: r.accounts, path: { account_id: otherAccountId } });
    expect(archived.data.status).toBe('ARCHIVED');

    const deleted = await accounts.deleteCustomer<true>({ client: r.accounts, path: { customer_id: customerId } });
    expect(deleted.data.success).toBe(true);
    const customer = await accounts.getCustomer<true>({ client: w.accounts, path: { customer_id: customerId } });
    expect(customer.data.status).toBe('ARCHIVED');
    const account = await accounts.getAccount<true>({ client: r.accounts, path: { account_id: accountId } });
    expect(account.data.status).toBe('ARCHIVED');
    const customers = await allPages(sides, async (s, nextToken) => {
      const { data } = await accounts.getCustomers<true>({ client: s.accounts, query: { nextToken } });
      return { items: data.data ?? [], nextToken: data.nextToken };
    });
    expect(customers.map((c) => c.id)).not.toContain(customerId);
    const accountList = await allPages(sides, async (s, nextToken) => {
      const { data } = await accounts.getAccounts<true>({ client: s.accounts, query: { nextToken } });
      return { items: data.data ?? [], nextToken: data.nextToken };
    });
    expect(accountList.map((a) => a.id)).not.toContain(accountId);
    expect(accountList.map((a) => a.id)).not.toContain(otherAccountId);

    // Deleted again: nothing left to delete.
    expect(
      (await rejection(accounts.deleteCustomer<true>({ client: w.accounts, path: { customer_id: customerId } })))
        .status,
    ).toBe(404);
    expect(
      (await rejection(accounts.deleteAccount<true>({ client: r.accounts, path: { account_id: accountId } }))).status,
    ).toBe(404);

    // An archived account takes no credit, top-up or event; its credit stays readable and voidable.
    const grant = await rejection(
      credits.createCredit<true>({
        client: w.credits,
        body: {
          creditRequests: [{ accountId, purpose: 'late', effectiveFrom: '2024-06-01', creditAmount: 5, priority: 1 }],
        },
      }),
    );
    expect(grant.status).toBe(400);
    const topUp = await rejection(
      accounts.topUpWalletForAccount<true>({
        client: r.accounts,
        path: { account_id: accountId },
        body: { topupAmount: 5 },
      }),
    );
    expect(topUp.status).toBe(400);
    const late = `${p}-ev-late`;
    await settle(accounts.ingest<true>({ client: w.accounts, body: { event: usage(late, accountId) } }));
    const lateEvent = await accounts.getSingleEvent<true>({ client: r.accounts, path: { event_id: late } });
    expect(lateEvent.data.events.map((e) => e.ingestionStatus.status)).toEqual(['INGESTION_FAILED_ACCOUNT_NOT_FOUND']);
    const voided = await credits.voidCredit<true>({ client: w.credits, path: { credit_id: creditId } });
    expect(voided.data).toMatchObject({ id: creditId, status: 'VOIDED' });
    const details = await credits.getCreditDetails<true>({ client: r.credits, path: { credit_id: creditId } });
    expect(details.data).toMatchObject({ id: creditId, status: 'VOIDED', customerId, creditUnit: 'EUR' });
  }
}

/** The frozen clock, so event timestamps and the duplicate window are exact. */
async function freezeClock(side: Side): Promise<void> {
  const clock = await side.control('PUT', '/_mock/clock', { now: NOW });
  expect(clock.status).toBe(200);
}

/**
 * An ingestion that fails for a reason Togai reports in the event's status
 * (unknown account, repeated id): the call may answer 2xx or a 4xx naming it,
 * never a 5xx and never an answer the strict client rejects.
 */
async function settle(call: Promise<{ response: Response }>): Promise<void> {
  try {
    await call;
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    const invalid = (error as { invalid?: unknown }).invalid;
    if (typeof status !== 'number' || status >= 500 || invalid !== undefined) throw error;
  }
}

describe('onboarding through strict generated clients', () => {
  let mock: TestMock;
  let strict: TestMock;
  beforeAll(async () => {
    [mock, strict] = await Promise.all([
      // Its answers are checked against spec/ by the mock itself too (the self-check turns a bad one into a 500).
      startTestMock(),
      // Here the strict clients alone judge what the mock answers, as Togai's clients judge Togai.
      startTestMock({ strictAccounts: true, validateResponses: false }),
    ]);
  });

  const sideOf = (m: TestMock): Side => ({
    name: 'in-process',
    credits: creditsClient(m.url),
    accounts: accountsClient(m.url),
    control: (method, path, body) => m.call(method, path, { body }),
  });

  it('runs end to end on one mock', async () => {
    await onboarding([sideOf(mock)], 'ONE');
  });

  it('runs the same with --strict-accounts, where every account is made through the API first', async () => {
    await onboarding([sideOf(strict)], 'STRICT');
  });
});

describe.skipIf(!redisAvailable)('onboarding through strict generated clients, on two replicas of one Redis', () => {
  let redis: TestRedis;
  let group: ReplicaGroup;
  let a: Replica;
  let b: Replica;
  beforeAll(async () => {
    redis = await TestRedis.start();
    group = new ReplicaGroup(redis.url, 'onboarding:');
    [a, b] = await group.pair();
  });
  afterAll(async () => {
    await group?.killAll();
    await redis?.dispose();
  });

  const sideOf = (replica: Replica): Side => ({
    name: replica.name,
    credits: creditsClient(replica.url),
    accounts: accountsClient(replica.url),
    control: (method, path, body) => replica.call(method, path, { body }),
  });

  it('runs end to end, each change through one replica and read back through the other', async () => {
    await onboarding([sideOf(a), sideOf(b)], 'TWO');
  });

  it('an event id ingested at the same moment through both replicas completes once', async () => {
    const [sa, sb] = [sideOf(a), sideOf(b)];
    await freezeClock(sb);
    await accounts.createCustomer<true>({
      client: sa.accounts,
      body: {
        id: 'RACE-CUS',
        name: 'Race customer',
        primaryEmail: 'race@acme.example',
        address: {},
        account: { id: 'RACE-ACC', name: 'Race account' },
      },
    });
    const both = await Promise.allSettled(
      [sa, sb].map((s) => accounts.ingest<true>({ client: s.accounts, body: { event: usage('RACE-EV', 'RACE-ACC') } })),
    );
    for (const r of both) if (r.status === 'rejected') await settle(Promise.reject(r.reason));
    for (const s of [sa, sb]) {
      const fetched = await accounts.getSingleEvent<true>({ client: s.accounts, path: { event_id: 'RACE-EV' } });
      const statuses = fetched.data.events.map((e) => e.ingestionStatus.status);
      expect(
        statuses.filter((st) => st === COMPLETED),
        s.name,
      ).toHaveLength(1);
    }
  });
});
