// Concurrency over real HTTP, many connections at once: 200 grants with one
// idempotency key store one credit; parallel consumes never draw more than
// the account holds; voids racing consumes leave every credit's amounts and
// transactions consistent. Node runs one request at a time through the
// ledger, so these hold only as long as no await slips in between a check and
// the write it guards (in a handler, the state file, a fault, ...): that is
// what these tests protect.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditRequest, startTestMock, type TestMock } from '../helpers/mock.js';
import { FUZZ_SEED } from '../fuzz/config.js';
import { RawClient } from '../fuzz/http.js';

let mock: TestMock;
let client: RawClient;

beforeAll(async () => {
  mock = await startTestMock();
  mock.setTime('2024-06-01T12:00:00Z');
  client = new RawClient(mock.url, 200);
});
afterAll(() => client.close());

const ledger = () => mock.runtime.store.peek('shared').ledger;
const json = <T = any>(r: { json: unknown }): T => r.json as T;

async function grant(requests: Array<Record<string, unknown>>): Promise<Array<{ id: string }>> {
  const r = await client.post('/credits', JSON.stringify({ creditRequests: requests }));
  expect(r.status, r.text).toBe(200);
  return json(r).credits;
}

const consume = (accountId: string, body: Record<string, unknown>) =>
  client.post(`/_mock/accounts/${encodeURIComponent(accountId)}/consume`, JSON.stringify(body));

describe('idempotency under concurrency', () => {
  it('stores exactly one credit for 200 parallel grants with the same key', async () => {
    const before = ledger().creditCount;
    const body = JSON.stringify({ creditRequests: [creditRequest({ accountId: 'IDEM', idempotencyKey: 'k-200' })] });
    const responses = await Promise.all(Array.from({ length: 200 }, () => client.post('/credits', body)));
    expect(responses.map((r) => r.status)).toEqual(Array(200).fill(200));
    const ids = new Set(responses.map((r) => json(r).credits[0].id));
    expect(ids.size).toBe(1);
    expect(ledger().creditCount).toBe(before + 1);
    const listed = await client.get('/credits?account_id=IDEM');
    expect(json(listed).data).toHaveLength(1);
  });

  it('stores one credit per distinct key when 200 parallel batches mix new and repeated keys', async () => {
    const before = ledger().creditCount;
    const bodies = Array.from({ length: 200 }, (_, i) =>
      JSON.stringify({
        creditRequests: [
          creditRequest({ accountId: 'IDEM2', idempotencyKey: `k-${i % 10}` }),
          creditRequest({ accountId: 'IDEM2', idempotencyKey: `k-${(i * 7) % 10}` }),
        ],
      }),
    );
    const responses = await Promise.all(bodies.map((b) => client.post('/credits', b)));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    const byKey = new Map<string, Set<string>>();
    for (const r of responses) {
      for (const c of json(r).credits)
        byKey.set(c.idempotencyKey, (byKey.get(c.idempotencyKey) ?? new Set()).add(c.id));
    }
    expect([...byKey.values()].map((s) => s.size)).toEqual(Array(10).fill(1));
    expect(ledger().creditCount).toBe(before + 10);
  });
});

describe('consumption under concurrency', () => {
  it('never draws more than the balance when 200 consumes (some as holds) race', async () => {
    const credits = await grant([
      creditRequest({ accountId: 'RACE', creditAmount: 300, priority: 1 }),
      creditRequest({ accountId: 'RACE', creditAmount: 450, priority: 2 }),
      creditRequest({ accountId: 'RACE', creditAmount: 250, priority: 1, effectiveUntil: '2024-09-30' }),
    ]);
    const total = 1000;
    // Seeded amounts and kinds, so a failure can be replayed with FUZZ_SEED.
    const plan = fc.sample(fc.record({ amount: fc.integer({ min: 1, max: 40 }), hold: fc.boolean() }), {
      numRuns: 200,
      seed: FUZZ_SEED,
    });
    const results = await Promise.all(plan.map((p, i) => consume('RACE', { ...p, invoiceId: `inv-${i}` })));
    expect(results.map((r) => r.status)).toEqual(Array(200).fill(200));
    let drawn = 0;
    let held = 0;
    const drawnPerCredit = new Map<string, number>();
    for (const [i, r] of results.entries()) {
      const body = json(r);
      const sum = body.drawn.reduce((s: number, d: { amount: number }) => s + d.amount, 0);
      expect(sum + body.unmet, `consume ${i}`).toBe(plan[i]!.amount);
      if (plan[i]!.hold) held += sum;
      else drawn += sum;
      for (const d of body.drawn) drawnPerCredit.set(d.creditId, (drawnPerCredit.get(d.creditId) ?? 0) + d.amount);
    }
    const asked = plan.reduce((s, p) => s + p.amount, 0);
    expect(drawn + held).toBe(Math.min(total, asked));
    const balance = json(await client.get('/accounts/RACE/credit_balance'));
    expect(balance.availableBalance).toBe(total - drawn);
    expect(balance.runningBalance).toBe(total - drawn - held);
    for (const c of credits) {
      const d = json(await client.get(`/credits/${c.id}`));
      expect(d.consumedAmount + d.holdAmount).toBeLessThanOrEqual(d.creditAmount);
      expect(d.consumedAmount + d.holdAmount).toBe(drawnPerCredit.get(c.id) ?? 0);
      const debited = d.transactions
        .filter((t: any) => t.transactionType === 'DEBITED')
        .reduce((s: number, t: any) => s + t.amount, 0);
      expect(debited).toBe(d.consumedAmount);
    }
  });

  it('keeps amounts and transactions consistent when voids race consumes', async () => {
    const rounds = fc.sample(
      fc.record({
        amounts: fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 2, maxLength: 6 }),
        voids: fc.uniqueArray(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 3 }),
        order: fc.array(fc.nat(), { minLength: 10, maxLength: 10 }),
      }),
      { numRuns: 40, seed: FUZZ_SEED },
    );
    for (const [round, plan] of rounds.entries()) {
      const account = `VR-${round}`;
      const credits = await grant(
        [0, 1, 2].map((p) => creditRequest({ accountId: account, creditAmount: 100, priority: p })),
      );
      const ops: Array<() => Promise<{ kind: string; i: number; r: Awaited<ReturnType<RawClient['get']>> }>> = [
        ...plan.amounts.map((amount, i) => async () => ({ kind: 'consume', i, r: await consume(account, { amount }) })),
        ...plan.voids.map((v) => async () => ({
          kind: 'void',
          i: v,
          r: await client.post(`/credits/${credits[v]!.id}/void`, ''),
        })),
      ];
      // A seeded shuffle, so each round starts the racers in a different order.
      const shuffled = ops
        .map((op, k) => ({ op, key: plan.order[k % plan.order.length]! * 31 + k }))
        .sort((a, b) => a.key - b.key);
      const outcomes = await Promise.all(shuffled.map((s) => s.op()));

      const drawnPerCredit = new Map<string, { amount: number; txIds: string[] }>();
      for (const o of outcomes.filter((x) => x.kind === 'consume')) {
        expect(o.r.status, o.r.text).toBe(200);
        for (const d of json(o.r).drawn) {
          const e = drawnPerCredit.get(d.creditId) ?? { amount: 0, txIds: [] };
          e.amount += d.amount;
          e.txIds.push(d.transactionId);
          drawnPerCredit.set(d.creditId, e);
        }
      }
      let active = 0;
      for (const [ci, c] of credits.entries()) {
        const d = json(await client.get(`/credits/${c.id}`));
        const txs = d.transactions as Array<{ id: string; transactionType: string; amount: number }>;
        const debits = txs.filter((t) => t.transactionType === 'DEBITED');
        const voidTx = txs.filter((t) => t.transactionType === 'VOIDED');
        const drawn = drawnPerCredit.get(c.id) ?? { amount: 0, txIds: [] };
        const ctx = `round ${round} credit ${ci}: ${JSON.stringify(d)}`;
        expect(txs[0]!.transactionType, ctx).toBe('CREDITED');
        expect(txs[0]!.amount, ctx).toBe(100);
        expect(
          debits.reduce((s, t) => s + t.amount, 0),
          ctx,
        ).toBe(d.consumedAmount);
        expect(d.consumedAmount, ctx).toBe(drawn.amount);
        expect(debits.map((t) => t.id).sort(), ctx).toEqual([...drawn.txIds].sort());
        const voidCall = outcomes.find((o) => o.kind === 'void' && o.i === ci);
        if (d.status === 'VOIDED') {
          expect(voidCall?.r.status, ctx).toBe(200);
          expect(
            voidTx.map((t) => t.amount),
            ctx,
          ).toEqual([100 - d.consumedAmount]);
          // Nothing is drawn from a credit after it was voided.
          expect(
            txs.findIndex((t) => t.transactionType === 'VOIDED'),
            ctx,
          ).toBe(txs.length - 1);
        } else {
          expect(voidTx, ctx).toEqual([]);
          if (voidCall) expect(voidCall.r.status, ctx).toBe(400);
          if (d.status === 'CONSUMED') expect(d.consumedAmount, ctx).toBe(100);
          else {
            expect(d.status, ctx).toBe('ACTIVE');
            active += 100 - d.consumedAmount;
          }
        }
      }
      const balance = json(await client.get(`/accounts/${account}/credit_balance`));
      expect(balance.availableBalance, `round ${round}`).toBe(active);
    }
  });
});
