// Unit tests of the ledger rules, no HTTP: the clock is a
// plain number passed to each call.
import { describe, expect, it } from 'vitest';
import { MockError } from '../../src/domain/errors.js';
import { CREDIT_ID_PATTERN, TRANSACTION_ID_PATTERN } from '../../src/domain/ids.js';
import { Ledger } from '../../src/domain/ledger.js';
import type { CreditRequest } from '../../src/spec/types.js';

const T = (iso: string): number => Date.parse(iso);
const NOW = T('2024-06-01T12:00:00Z');

function req(over: Partial<CreditRequest> = {}): CreditRequest {
  return {
    accountId: 'ACC001',
    purpose: 'PREPAID_CREDIT',
    effectiveFrom: '2024-01-01',
    effectiveUntil: '2024-12-31',
    creditAmount: 1000,
    priority: 1,
    ...over,
  };
}

function kindOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof MockError) return `${e.kind}: ${e.message}`;
    throw e;
  }
  return undefined;
}

describe('grant', () => {
  it('creates ACTIVE credits with Togai-shaped ids, zero hold/consumed, one CREDITED transaction', () => {
    const l = new Ledger();
    const [c] = l.grant([req()], NOW);
    expect(c).toMatchObject({
      accountId: 'ACC001',
      customerId: 'ACC001',
      status: 'ACTIVE',
      holdAmount: 0,
      consumedAmount: 0,
      creditUnit: 'USD',
      applicableEntityIds: [],
      createdAt: '2024-06-01T12:00:00.000Z',
      updatedAt: '2024-06-01T12:00:00.000Z',
    });
    expect(c!.id).toMatch(CREDIT_ID_PATTERN);
    const d = l.getCreditDetails(c!.id, NOW);
    expect(d.transactions).toHaveLength(1);
    expect(d.transactions[0]).toMatchObject({ creditId: c!.id, transactionType: 'CREDITED', amount: 1000 });
    expect(d.transactions[0]!.id).toMatch(TRANSACTION_ID_PATTERN);
  });

  it('uses the account currency', () => {
    const l = new Ledger({ defaultCurrency: 'EUR' });
    l.createAccount({ accountId: 'GBP1', currency: 'GBP', customerId: 'cust-9' }, NOW);
    const [a, b] = l.grant([req({ accountId: 'GBP1' }), req({ accountId: 'NEW' })], NOW);
    expect(a).toMatchObject({ creditUnit: 'GBP', customerId: 'cust-9' });
    expect(b).toMatchObject({ creditUnit: 'EUR', customerId: 'NEW' });
  });

  it('is all-or-nothing: one bad request stores nothing', () => {
    const l = new Ledger();
    expect(kindOf(() => l.grant([req(), req({ creditAmount: -5 })], NOW))).toBe(
      'invalid: creditRequests[1].creditAmount must not be negative',
    );
    expect(
      kindOf(() => l.grant([req(), req({ effectiveFrom: '2024-05-02', effectiveUntil: '2024-05-01' })], NOW)),
    ).toMatch(/^invalid: creditRequests\[1\]\.effectiveUntil/);
    expect(l.creditCount).toBe(0);
    expect(l.accountCount).toBe(0);
  });

  it('in strict mode refuses unknown accounts with 404 and stores nothing', () => {
    const l = new Ledger({ strictAccounts: true });
    l.createAccount({ accountId: 'KNOWN' }, NOW);
    expect(kindOf(() => l.grant([req({ accountId: 'KNOWN' }), req({ accountId: 'GHOST' })], NOW))).toBe(
      'not_found: creditRequests[1].accountId: account GHOST does not exist',
    );
    expect(l.creditCount).toBe(0);
    expect(kindOf(() => l.balance('GHOST', NOW))).toMatch(/^not_found/);
  });

  it('returns the first credit for a repeated idempotency key of the same account', () => {
    const l = new Ledger();
    const [first] = l.grant([req({ idempotencyKey: 'k1' })], NOW);
    const [again, sameBatchA, sameBatchB] = l.grant(
      [req({ idempotencyKey: 'k1', creditAmount: 5 }), req({ idempotencyKey: 'k2' }), req({ idempotencyKey: 'k2' })],
      NOW + 1000,
    );
    expect(again).toEqual(first);
    expect(sameBatchA!.id).toBe(sameBatchB!.id);
    expect(l.creditCount).toBe(2);
    // The same key on another account is another credit.
    l.grant([req({ accountId: 'OTHER', idempotencyKey: 'k1' })], NOW);
    expect(l.creditCount).toBe(3);
  });

  it('refuses a grant whose account total would not be finite, counting stored credits of any status', () => {
    const l = new Ledger();
    const [big] = l.grant([req({ creditAmount: 1e308 })], NOW);
    l.void(big!.id, NOW);
    expect(
      kindOf(() => l.grant([req({ accountId: 'OTHER', creditAmount: 1e308 }), req({ creditAmount: 1e308 })], NOW)),
    ).toMatch(/^invalid: creditRequests\[1\]\.creditAmount is too large: the credits of account ACC001 would add up/);
    // Within one batch too, and a refused batch stores nothing.
    expect(
      kindOf(() =>
        l.grant(
          [req({ accountId: 'OTHER', creditAmount: 1e308 }), req({ accountId: 'OTHER', creditAmount: 1e308 })],
          NOW,
        ),
      ),
    ).toMatch(/^invalid: creditRequests\[1\]\.creditAmount is too large/);
    expect(l.creditCount).toBe(1);
    expect(l.grant([req({ accountId: 'OTHER', creditAmount: 1e308 })], NOW)).toHaveLength(1);
  });

  it('gives reproducible ids with a seed', () => {
    const a = new Ledger({ seed: 7 }).grant([req(), req()], NOW).map((c) => c.id);
    const b = new Ledger({ seed: 7 }).grant([req(), req()], NOW).map((c) => c.id);
    const c = new Ledger({ seed: 8 }).grant([req(), req()], NOW).map((c) => c.id);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });
});

describe('lifecycle', () => {
  it('expires a credit after its effectiveUntil day, writing an EXPIRED transaction of the remainder', () => {
    const l = new Ledger();
    const [c] = l.grant([req({ effectiveUntil: '2024-06-30', creditAmount: 100 })], NOW);
    l.consume('ACC001', { amount: 30 }, NOW);
    expect(l.getCredit(c!.id, T('2024-06-30T23:59:59.999Z')).status).toBe('ACTIVE');
    const d = l.getCreditDetails(c!.id, T('2024-07-01T00:00:00Z'));
    expect(d.status).toBe('EXPIRED');
    expect(d.updatedAt).toBe('2024-07-01T00:00:00.000Z');
    expect(d.transactions.map((t) => [t.transactionType, t.amount])).toEqual([
      ['CREDITED', 100],
      ['DEBITED', 30],
      ['EXPIRED', 70],
    ]);
    expect(l.balance('ACC001', T('2024-07-02T00:00:00Z')).activeCredits).toBe(0);
  });

  it('marks a fully consumed credit CONSUMED and it does not expire later', () => {
    const l = new Ledger();
    const [c] = l.grant([req({ creditAmount: 50 })], NOW);
    l.consume('ACC001', { amount: 50 }, NOW);
    expect(l.getCredit(c!.id, NOW).status).toBe('CONSUMED');
    expect(l.getCreditDetails(c!.id, T('2025-06-01T00:00:00Z')).transactions.map((t) => t.transactionType)).toEqual([
      'CREDITED',
      'DEBITED',
    ]);
  });

  it('voids only ACTIVE credits, writing a VOIDED transaction of the remainder', () => {
    const l = new Ledger();
    const [c] = l.grant([req({ creditAmount: 100 })], NOW);
    l.consume('ACC001', { amount: 40 }, NOW);
    const v = l.void(c!.id, NOW + 5);
    expect(v.status).toBe('VOIDED');
    expect(l.getCreditDetails(c!.id, NOW + 5).transactions.at(-1)).toMatchObject({
      transactionType: 'VOIDED',
      amount: 60,
    });
    expect(kindOf(() => l.void(c!.id, NOW + 6))).toBe(
      `invalid: Credit ${c!.id} is VOIDED; only an ACTIVE credit can be voided`,
    );
    expect(kindOf(() => l.void('cred.nope', NOW))).toBe('not_found: Credit cred.nope does not exist');
  });

  it('refuses to void an EXPIRED credit', () => {
    const l = new Ledger();
    const [c] = l.grant([req({ effectiveUntil: '2024-06-01' })], NOW);
    expect(kindOf(() => l.void(c!.id, T('2024-06-02T00:00:00Z')))).toMatch(/is EXPIRED/);
  });
});

describe('consumption', () => {
  it('draws by priority, then earliest effectiveUntil, then oldest, skipping credits not in effect', () => {
    const l = new Ledger();
    const [late, p2, early, older, newer, future] = [
      l.grant([req({ priority: 1, effectiveUntil: '2024-12-31', creditAmount: 10, purpose: 'late' })], NOW)[0]!,
      l.grant([req({ priority: 2, effectiveUntil: '2024-07-01', creditAmount: 10, purpose: 'p2' })], NOW)[0]!,
      l.grant([req({ priority: 1, effectiveUntil: '2024-08-01', creditAmount: 10, purpose: 'early' })], NOW)[0]!,
      l.grant([req({ priority: 0, effectiveUntil: '2024-09-01', creditAmount: 10, purpose: 'older' })], NOW)[0]!,
      l.grant([req({ priority: 0, effectiveUntil: '2024-09-01', creditAmount: 10, purpose: 'newer' })], NOW + 1)[0]!,
      l.grant([req({ priority: -5, effectiveFrom: '2024-07-01', creditAmount: 10, purpose: 'future' })], NOW)[0]!,
    ];
    const r = l.consume('ACC001', { amount: 55, invoiceId: 'inv.1' }, NOW + 2);
    expect(r.drawn.map((d) => d.creditId)).toEqual([older.id, newer.id, early.id, late.id, p2.id]);
    expect(r.drawn.map((d) => d.amount)).toEqual([10, 10, 10, 10, 10]);
    expect(r.unmet).toBe(5);
    expect(l.getCredit(future.id, NOW + 2).consumedAmount).toBe(0);
    expect(l.getCreditDetails(older.id, NOW + 2).transactions[1]).toMatchObject({
      transactionType: 'DEBITED',
      invoiceId: 'inv.1',
    });
  });

  it('only draws credits applicable to the named entity', () => {
    const l = new Ledger();
    const [a] = l.grant([req({ applicableEntityIds: ['rc.a'], creditAmount: 10 })], NOW);
    const [b] = l.grant([req({ applicableEntityIds: ['rc.b'], creditAmount: 10 })], NOW);
    const [all] = l.grant([req({ creditAmount: 10, priority: 9 })], NOW);
    const r = l.consume('ACC001', { amount: 15, entityId: 'rc.b' }, NOW);
    expect(r.drawn.map((d) => d.creditId)).toEqual([b!.id, all!.id]);
    expect(l.getCredit(a!.id, NOW).consumedAmount).toBe(0);
  });

  it('holds reduce the running balance; release gives back, settle consumes', () => {
    const l = new Ledger();
    l.grant([req({ creditAmount: 100 })], NOW);
    l.consume('ACC001', { amount: 30, hold: true, invoiceId: 'inv.a' }, NOW);
    l.consume('ACC001', { amount: 20, hold: true, invoiceId: 'inv.b' }, NOW);
    expect(l.balance('ACC001', NOW)).toMatchObject({ activeCredits: 100, availableBalance: 100, runningBalance: 50 });
    expect(l.releaseHolds('ACC001', { invoiceId: 'inv.a' }, NOW).total).toBe(30);
    expect(l.settleHolds('ACC001', { invoiceId: 'inv.b' }, NOW).total).toBe(20);
    expect(l.balance('ACC001', NOW)).toMatchObject({ availableBalance: 80, runningBalance: 80 });
    expect(l.listHolds('ACC001', NOW)).toEqual([]);
  });
});

describe('balance', () => {
  it("reproduces Togai's example: 1000 active, 800 available, 700 running, 100 inapplicable", () => {
    const l = new Ledger();
    l.grant([req({ creditAmount: 1000 }), req({ creditAmount: 100, effectiveFrom: '2024-07-01' })], NOW);
    l.consume('ACC001', { amount: 200 }, NOW);
    l.consume('ACC001', { amount: 100, hold: true }, NOW);
    expect(l.balance('ACC001', NOW)).toEqual({
      activeCredits: 1000,
      availableBalance: 800,
      runningBalance: 700,
      inapplicableCredits: 100,
      unit: 'USD',
      lastUpdatedAt: '2024-06-01T12:00:00.000Z',
    });
  });

  it('keeps decimal amounts exact', () => {
    const l = new Ledger();
    l.grant([req({ creditAmount: 0.1 }), req({ creditAmount: 0.2 })], NOW);
    expect(l.balance('ACC001', NOW).activeCredits).toBe(0.3);
  });

  it('answers zeros for an unknown account outside strict mode', () => {
    expect(new Ledger().balance('nobody', NOW)).toMatchObject({ activeCredits: 0, runningBalance: 0, unit: 'USD' });
  });
});

describe('listing', () => {
  it('pages in creation order and survives inserts between pages', () => {
    const l = new Ledger();
    const first = l
      .grant(
        Array.from({ length: 5 }, () => req()),
        NOW,
      )
      .map((c) => c.id);
    const p1 = l.list({ pageSize: 2 }, NOW);
    expect(p1.credits.map((c) => c.id)).toEqual(first.slice(0, 2));
    const later = l
      .grant(
        Array.from({ length: 3 }, () => req()),
        NOW,
      )
      .map((c) => c.id);
    const seen = [...p1.credits.map((c) => c.id)];
    let after = p1.nextAfterId;
    while (after !== undefined) {
      const p = l.list({ pageSize: 2, afterId: after }, NOW);
      seen.push(...p.credits.map((c) => c.id));
      after = p.nextAfterId;
    }
    expect(seen).toEqual([...first, ...later]);
  });

  it('filters by account, status and id', () => {
    const l = new Ledger();
    const [a] = l.grant([req({ accountId: 'A' })], NOW);
    const [b] = l.grant([req({ accountId: 'B' })], NOW);
    l.void(b!.id, NOW);
    expect(l.list({ pageSize: 50, accountId: 'A' }, NOW).credits.map((c) => c.id)).toEqual([a!.id]);
    expect(l.list({ pageSize: 50, status: 'VOIDED' }, NOW).credits.map((c) => c.id)).toEqual([b!.id]);
    expect(l.list({ pageSize: 50, id: b!.id, status: 'ACTIVE' }, NOW).credits).toEqual([]);
    expect(l.list({ pageSize: 50, accountId: 'nobody' }, NOW)).toEqual({ credits: [], nextAfterId: undefined });
  });
});

describe('snapshot', () => {
  it('restores an identical ledger', () => {
    const l = new Ledger();
    l.grant([req({ idempotencyKey: 'x' }), req({ accountId: 'B', effectiveUntil: '2024-06-15' })], NOW);
    l.consume('ACC001', { amount: 10, hold: true }, NOW);
    const copy = new Ledger();
    copy.restore(JSON.parse(JSON.stringify(l.snapshot())));
    const later = T('2024-07-01T00:00:00Z');
    expect(copy.list({ pageSize: 50 }, later)).toEqual(l.list({ pageSize: 50 }, later));
    expect(copy.balance('ACC001', later)).toEqual(l.balance('ACC001', later));
    expect(copy.grant([req({ idempotencyKey: 'x' })], later)[0]!.id).toBe(
      l.list({ pageSize: 1 }, later).credits[0]!.id,
    );
  });
});
