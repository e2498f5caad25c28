// Many replicas on one Redis behave as one mock: real
// mock processes (the built CLI) on one real redis-server, driven over HTTP
// the way clients behind a load balancer would, a request to one replica,
// the next to another. Crashes and Redis outages are in replicas-crash.test.ts.
//
// Each test works on accounts of its own, so the tests of this file share
// two replicas without seeing each other's credits.

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { redisAvailable, TestRedis, warnIfRedisMissing } from '../helpers/redis.js';
import { creditRequest, ReplicaGroup, type Replica } from '../helpers/replicas.js';

// Child processes and a build on a busy 2-core machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 400_000 });
warnIfRedisMissing('replicas on Redis (test/reliability/replicas.test.ts)');

let accounts = 0;
const newAccount = (): string => `ACC-R${++accounts}`;

let redis: TestRedis | undefined;
const groups: ReplicaGroup[] = [];
beforeAll(async () => {
  if (redisAvailable) redis = await TestRedis.start();
});
afterAll(async () => {
  for (const group of groups) await group.killAll();
  await redis?.dispose();
});

async function startPair(prefix: string, env: Record<string, string> = {}): Promise<[Replica, Replica]> {
  const group = new ReplicaGroup(redis!.url, prefix, { env });
  groups.push(group);
  return group.pair();
}

const grant = (replica: Replica, ...requests: Record<string, unknown>[]) =>
  replica.call('POST', '/credits', { body: { creditRequests: requests } });

/** Every credit of an account, following nextToken, asking the replicas in turn. */
async function listAll(replicas: Replica[], accountId: string, pageSize = 50): Promise<any[]> {
  const out: any[] = [];
  let token: string | undefined;
  let i = 0;
  do {
    const q =
      token === undefined
        ? `account_id=${accountId}&pageSize=${pageSize}`
        : `account_id=${accountId}&nextToken=${encodeURIComponent(token)}`;
    const page = await replicas[i++ % replicas.length]!.call('GET', `/credits?${q}`);
    expect(page.status, page.text).toBe(200);
    out.push(...page.body.data);
    token = page.body.nextToken;
  } while (token !== undefined);
  return out;
}

describe.skipIf(!redisAvailable)('two replicas on one Redis', () => {
  let a: Replica;
  let b: Replica;
  beforeAll(async () => {
    [a, b] = await startPair('two:');
  });

  it('GET /_mock/health names the backend, the connection and the lag of each replica', async () => {
    const [ha, hb] = await Promise.all([
      a.call('GET', '/_mock/health', { token: null }),
      b.call('GET', '/_mock/health', { token: null }),
    ]);
    for (const h of [ha, hb]) {
      expect(h.status).toBe(200);
      expect(h.body).toMatchObject({
        status: 'ok',
        backend: 'redis',
        connected: true,
        lag: expect.any(Number),
        replica: expect.any(String),
        redis: { url: redis!.url, prefix: 'two:', appendonly: 'yes', appendfsync: 'always', durable: true },
      });
      expect(h.body.lag).toBeGreaterThanOrEqual(0);
    }
    expect(ha.body.replica).not.toBe(hb.body.replica);
  });

  it('a change answered by one replica is seen by the next request to any replica', async () => {
    const account = newAccount();
    for (let i = 0; i < 6; i++) {
      const [writer, reader] = i % 2 === 0 ? [a, b] : [b, a];
      const g = await grant(writer, creditRequest({ accountId: account, purpose: `p${i}`, creditAmount: 10 }));
      expect(g.status, g.text).toBe(200);
      const credit = g.body.credits[0];
      // At once, on the other replica: details, list and balance.
      const details = await reader.call('GET', `/credits/${credit.id}`);
      expect(details.status, details.text).toBe(200);
      expect(details.body).toMatchObject({ id: credit.id, status: 'ACTIVE', purpose: `p${i}` });
      const list = await reader.call('GET', `/credits?account_id=${account}`);
      expect(list.body.data.map((c: any) => c.id)).toContain(credit.id);
      const balance = await reader.call('GET', `/accounts/${account}/credit_balance`);
      expect(balance.body.availableBalance).toBe(10 * (i + 1));
    }
    // A void on one replica, read back on the other: the same credit, transactions and all.
    const [first] = await listAll([a], account);
    const voided = await b.call('POST', `/credits/${first.id}/void`);
    expect(voided.status, voided.text).toBe(200);
    const [onA, onB] = await Promise.all([
      a.call('GET', `/credits/${first.id}`),
      b.call('GET', `/credits/${first.id}`),
    ]);
    expect(onA.body.status).toBe('VOIDED');
    expect(onA.body.transactions.map((t: any) => t.transactionType)).toContain('VOIDED');
    expect(onA.body).toEqual(onB.body);
  });

  it('idempotency holds across replicas: many concurrent same-key grants make one credit', async () => {
    const account = newAccount();
    const body = creditRequest({ accountId: account, idempotencyKey: `once-${account}` });
    const results = await Promise.all(Array.from({ length: 24 }, (_, i) => grant(i % 2 === 0 ? a : b, body)));
    for (const r of results) expect(r.status, r.text).toBe(200);
    const ids = new Set(results.map((r) => r.body.credits[0].id));
    expect(ids.size).toBe(1);
    expect(await listAll([b, a], account)).toHaveLength(1);
    // Every answer is the credit as stored, whichever replica gave it.
    const stored = (await a.call('GET', `/credits/${[...ids][0]}`)).body;
    for (const r of results) expect(r.body.credits[0]).toMatchObject({ id: stored.id, createdAt: stored.createdAt });
  });

  it('concurrent distinct grants spread over both replicas are all stored, none doubled, in one order', async () => {
    const account = newAccount();
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        grant(
          i % 2 === 0 ? a : b,
          creditRequest({ accountId: account, purpose: `d${i}`, idempotencyKey: `${account}-${i}` }),
        ),
      ),
    );
    for (const r of results) expect(r.status, r.text).toBe(200);
    const granted = results.map((r) => r.body.credits[0].id);
    expect(new Set(granted).size).toBe(40);
    const [onA, onB] = await Promise.all([listAll([a], account, 15), listAll([b], account, 15)]);
    expect(onA.map((c) => c.id).sort()).toEqual([...granted].sort());
    // Both replicas applied the same commands in the same order.
    expect(onB.map((c) => c.id)).toEqual(onA.map((c) => c.id));
  });

  it('a batch is all or nothing on every replica, also when two batches share keys at the same time', async () => {
    const account = newAccount();
    const bad = await grant(
      a,
      creditRequest({ accountId: account, purpose: 'fine' }),
      creditRequest({ accountId: account, effectiveFrom: '2024-06-01', effectiveUntil: '2024-01-01' }),
    );
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/effectiveUntil .* must not be before effectiveFrom/);
    expect(await listAll([b], account)).toEqual([]);
    expect(await listAll([a], account)).toEqual([]);

    // Keys k0-k5 on A and k3-k8 on B at once: one credit per key, and the
    // overlapping keys answer the same credits on both.
    const keys = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) =>
        creditRequest({ accountId: account, purpose: `k${from + i}`, idempotencyKey: `${account}-k${from + i}` }),
      );
    const [ra, rb] = await Promise.all([grant(a, ...keys(0, 5)), grant(b, ...keys(3, 8))]);
    expect(ra.status, ra.text).toBe(200);
    expect(rb.status, rb.text).toBe(200);
    const byKeyA = new Map(ra.body.credits.map((c: any) => [c.idempotencyKey, c.id]));
    const byKeyB = new Map(rb.body.credits.map((c: any) => [c.idempotencyKey, c.id]));
    for (const k of [3, 4, 5]) expect(byKeyA.get(`${account}-k${k}`)).toBe(byKeyB.get(`${account}-k${k}`));
    const stored = await listAll([a, b], account, 4);
    expect(stored).toHaveLength(9);
    expect(new Set(stored.map((c) => c.idempotencyKey)).size).toBe(9);
  });

  it('voiding a voided credit is a 400 across replicas, and of two voids at once exactly one wins', async () => {
    const account = newAccount();
    const id = (await grant(a, creditRequest({ accountId: account }))).body.credits[0].id;
    const both = await Promise.all([a.call('POST', `/credits/${id}/void`), b.call('POST', `/credits/${id}/void`)]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 400]);
    const loser = both.find((r) => r.status === 400)!;
    expect(loser.body).toEqual({ message: `Credit ${id} is VOIDED; only an ACTIVE credit can be voided` });
    const again = await a.call('POST', `/credits/${id}/void`);
    expect(again.status).toBe(400);
    // One VOIDED transaction, not two.
    const details = await b.call('GET', `/credits/${id}`);
    expect(details.body.transactions.filter((t: any) => t.transactionType === 'VOIDED')).toHaveLength(1);
  });

  it('cursor pages continue across replicas: each credit once, in order', async () => {
    const account = newAccount();
    const made = (
      await grant(b, ...Array.from({ length: 7 }, (_, i) => creditRequest({ accountId: account, purpose: `c${i}` })))
    ).body.credits;
    const seen = await listAll([a, b], account, 3);
    expect(seen.map((c) => c.id)).toEqual(made.map((c: any) => c.id));
  });

  it('shares the fake clock, and a lazy expiry gives the same transactions whichever replica sees it first', async () => {
    try {
      const set = await a.call('PUT', '/_mock/clock', { body: { now: '2024-06-01T00:00:00Z' } });
      expect(set.status).toBe(200);
      expect((await b.call('GET', '/_mock/clock')).body).toEqual({ now: '2024-06-01T00:00:00.000Z', frozen: true });
      const account = newAccount();
      const ids = (
        await grant(
          a,
          creditRequest({ accountId: account, effectiveUntil: '2024-12-31' }),
          creditRequest({ accountId: account, effectiveUntil: '2024-12-31', purpose: 'second' }),
        )
      ).body.credits.map((c: any) => c.id);
      const moved = await b.call('POST', '/_mock/clock/advance', { body: { seconds: 250 * 86_400 } });
      expect(moved.body.now).toBe('2025-02-06T00:00:00.000Z');
      expect((await a.call('GET', '/_mock/clock')).body.now).toBe('2025-02-06T00:00:00.000Z');
      // Both replicas look at once, one credit each first: the EXPIRED transactions must agree.
      const [first, second] = await Promise.all([
        a.call('GET', `/credits/${ids[0]}`),
        b.call('GET', `/credits/${ids[1]}`),
      ]);
      const [firstOnB, secondOnA] = await Promise.all([
        b.call('GET', `/credits/${ids[0]}`),
        a.call('GET', `/credits/${ids[1]}`),
      ]);
      expect(first.body.status).toBe('EXPIRED');
      expect(second.body.status).toBe('EXPIRED');
      expect(firstOnB.body).toEqual(first.body);
      expect(secondOnA.body).toEqual(second.body);
    } finally {
      await a.call('DELETE', '/_mock/clock');
    }
  });

  it('a fault rule with times: 1 fires once across all replicas', async () => {
    const account = newAccount();
    const rule = await a.call('POST', '/_mock/faults', {
      body: { match: { operationId: 'listCredits' }, status: 503, message: 'one outage', times: 1 },
    });
    expect(rule.status).toBe(201);
    expect((await b.call('GET', '/_mock/faults')).body.faults.map((f: any) => f.id)).toEqual([rule.body.id]);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).call('GET', `/credits?account_id=${account}`)),
    );
    expect(results.filter((r) => r.status === 503).map((r) => r.body)).toEqual([{ message: 'one outage' }]);
    expect(results.filter((r) => r.status === 200)).toHaveLength(19);
    expect((await a.call('GET', '/_mock/faults')).body).toEqual({ faults: [] });
    expect((await b.call('GET', '/_mock/faults')).body).toEqual({ faults: [] });
  });

  it('the rate limit counts a credential across replicas', async () => {
    const set = await a.call('PUT', '/_mock/rate-limit', { body: { requestsPerSecond: 3 } });
    expect(set.status).toBe(200);
    try {
      expect((await b.call('GET', '/_mock/rate-limit')).body).toEqual({ requestsPerSecond: 3 });
      // Ten requests of one credential, five to each replica, sent together.
      // When they all arrive within one second, a shared count lets exactly 3
      // through (a count per replica would let 6). On a machine too busy to
      // send ten requests in a second the round says nothing: try again.
      let outcome: { ok: number; limited: number; retryAfter: (string | null)[] } | undefined;
      for (let round = 0; round < 5 && outcome === undefined; round++) {
        await new Promise((resolve) => setTimeout(resolve, 1100)); // an empty window
        const token = `rate-${round}-${Date.now()}`;
        const started = Date.now();
        const rs = await Promise.all(
          Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).call('GET', '/credits?pageSize=1', { token })),
        );
        if (Date.now() - started >= 900) continue;
        outcome = {
          ok: rs.filter((r) => r.status === 200).length,
          limited: rs.filter((r) => r.status === 429).length,
          retryAfter: rs.filter((r) => r.status === 429).map((r) => r.headers.get('retry-after')),
        };
      }
      expect(outcome, 'ten requests never went out within one second in five tries').toBeDefined();
      expect(outcome!.ok).toBe(3);
      expect(outcome!.limited).toBe(7);
      for (const value of outcome!.retryAfter) expect(Number(value)).toBeGreaterThanOrEqual(1);
    } finally {
      await b.call('PUT', '/_mock/rate-limit', { body: { requestsPerSecond: 0 } });
    }
    expect((await a.call('GET', '/_mock/rate-limit')).body).toEqual({ requestsPerSecond: 0 });
  });

  it('fixtures, seed, provider states and reset are shared', async () => {
    // Fixtures through one replica, read on the other.
    const account = newAccount();
    const fixtures = await a.call('POST', '/_mock/fixtures', {
      body: {
        accounts: [{ accountId: account, customerId: 'C1', currency: 'EUR' }],
        credits: [
          {
            id: 'cred.fixtureRepl.00001',
            accountId: account,
            purpose: 'PREPAID_CREDIT',
            effectiveFrom: '2024-01-01',
            creditAmount: 5,
            priority: 1,
          },
        ],
      },
    });
    expect(fixtures.status, fixtures.text).toBe(200);
    expect((await b.call('GET', '/credits/cred.fixtureRepl.00001')).body).toMatchObject({
      accountId: account,
      creditUnit: 'EUR',
    });
    // The same fixture again, on the other replica: the id is taken.
    const twice = await b.call('POST', '/_mock/fixtures', {
      body: {
        credits: [
          { id: 'cred.fixtureRepl.00001', accountId: account, purpose: 'X', effectiveFrom: '2024-01-01', priority: 1 },
        ],
      },
    });
    expect(twice.status).toBe(409);

    // A provider state set up through B is there on A; its teardown through A is seen by B.
    const params = { accountId: newAccount(), creditId: 'cred.providerRep.00001' };
    const setup = await b.call('POST', '/_mock/provider-states', {
      body: { state: 'an account has an active credit', params, action: 'setup' },
    });
    expect(setup.status, setup.text).toBe(200);
    expect((await a.call('GET', '/credits/cred.providerRep.00001')).status).toBe(200);
    const teardown = await a.call('POST', '/_mock/provider-states', {
      body: { state: 'an account has an active credit', params, action: 'teardown' },
    });
    expect(teardown.status, teardown.text).toBe(200);
    expect((await b.call('GET', '/credits/cred.providerRep.00001')).status).toBe(404);

    // Seeding through A: B lists the same accounts and balances.
    const seeded = await a.call('POST', '/_mock/seed', { body: { seed: 42, accounts: 3, creditsPerAccount: 2 } });
    expect(seeded.status, seeded.text).toBe(200);
    const [accountsA, accountsB] = await Promise.all([
      a.call('GET', '/_mock/accounts?limit=500'),
      b.call('GET', '/_mock/accounts?limit=500'),
    ]);
    expect(accountsB.body).toEqual(accountsA.body);
    for (const made of seeded.body.accounts) expect(accountsB.body.accounts).toContainEqual(made);
    // ... and the seeded customers, wallets and events, as A serves them.
    for (const path of [
      '/customers',
      '/accounts',
      '/events',
      `/accounts/${seeded.body.accounts[0].accountId}/wallet`,
    ]) {
      const [fromA, fromB] = await Promise.all([a.call('GET', path), b.call('GET', path)]);
      expect(fromA.status, path).toBe(200);
      expect(fromB.body, path).toEqual(fromA.body);
    }
    expect(seeded.body.customers.length).toBeGreaterThan(0);
    expect(seeded.body.events.length).toBe(9);

    // A reset through B empties A.
    expect((await b.call('POST', '/_mock/reset')).status).toBe(204);
    expect((await a.call('GET', '/_mock/accounts')).body).toEqual({ accounts: [], total: 0 });
    expect((await a.call('GET', `/credits/${seeded.body.credits[0].id}`)).status).toBe(404);
    expect((await a.call('GET', '/events')).body.events).toEqual([]);
    expect((await a.call('GET', '/customers')).body.data).toEqual([]);
  });

  it('the journal shows what every replica answered, naming the replica', async () => {
    const account = newAccount();
    expect((await a.call('DELETE', '/_mock/requests')).status).toBe(204);
    const g = await grant(a, creditRequest({ accountId: account }));
    await b.call('GET', `/credits?account_id=${account}`);
    await a.call('GET', `/accounts/${account}/credit_balance`);
    const [ha, hb] = await Promise.all([a.call('GET', '/_mock/health'), b.call('GET', '/_mock/health')]);
    // Read at once, without waiting: each entry was in Redis before its answer was sent.
    for (const replica of [a, b]) {
      const journal = await replica.call('GET', '/_mock/requests');
      expect(journal.status).toBe(200);
      expect(journal.body.requests.map((e: any) => [e.operationId, e.replica])).toEqual([
        ['createCredit', ha.body.replica],
        ['listCredits', hb.body.replica],
        ['CreditBalanceForAccount', ha.body.replica],
      ]);
      expect(journal.body.requests[0].responseBody).toEqual(g.body);
    }
  });
});

describe.skipIf(!redisAvailable)('two replicas with isolated tenants', () => {
  let a: Replica;
  let b: Replica;
  beforeAll(async () => {
    [a, b] = await startPair('tenants:', { TOGAI_MOCK_ISOLATE_TENANTS: 'true' });
  });

  it("a credential's tenant, its clock and its journal are the same on every replica, and no other's", async () => {
    const g = await grant(a, creditRequest({ accountId: 'ACC-T' }));
    expect(g.status).toBe(200);
    const id = g.body.credits[0].id;
    expect((await b.call('GET', `/credits/${id}`)).status).toBe(200);
    expect((await b.call('GET', `/credits/${id}`, { token: 'another-token' })).status).toBe(404);

    const set = await b.call('PUT', '/_mock/clock', {
      body: { now: '2030-01-01T00:00:00Z' },
      headers: { 'x-mock-tenant': 'test-token' },
    });
    expect(set.status).toBe(200);
    expect((await a.call('GET', '/_mock/clock', { headers: { 'x-mock-tenant': 'test-token' } })).body).toEqual({
      now: '2030-01-01T00:00:00.000Z',
      frozen: true,
    });
    expect((await a.call('GET', '/_mock/clock', { headers: { 'x-mock-tenant': 'another-token' } })).body.frozen).toBe(
      false,
    );

    const mine = await a.call('GET', '/_mock/requests', { headers: { 'x-mock-tenant': 'test-token' } });
    expect(mine.body.requests.map((e: any) => e.operationId)).toEqual(['createCredit', 'getCreditDetails']);
    const theirs = await b.call('GET', '/_mock/requests', { headers: { 'x-mock-tenant': 'another-token' } });
    expect(theirs.body.requests.map((e: any) => e.operationId)).toEqual(['getCreditDetails']);
  });
});
