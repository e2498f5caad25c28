// Random ledger changes for the property tests of test/domain: grants (some
// with idempotency keys, some starting later, some without an end, some
// already lapsed), accounts, consumption, holds, voids and removals, each at
// its own instant, so the clock wanders forwards and backwards. `applyOp`
// runs one and answers what it returned (or the MockError it threw) as
// text, so two ledgers can be compared call by call.

import fc from 'fast-check';
import { MockError } from '../../src/domain/errors.js';
import type { Ledger } from '../../src/domain/ledger.js';

export const DAY = 86_400_000;
export const START = Date.parse('2024-06-01T12:00:00Z');
export const ACCOUNTS = ['A', 'B', 'C'] as const;
export const day = (offset: number): string => new Date(START + offset * DAY).toISOString().slice(0, 10);

export type Op = { at: number } & (
  | {
      kind: 'grant';
      grants: Array<{
        account: number;
        amount: number;
        from: number;
        until: number | null;
        key: string | null;
        priority: number;
      }>;
    }
  | { kind: 'account'; account: number }
  | { kind: 'consume'; account: number; amount: number; hold: boolean; invoice: string | null }
  | { kind: 'release' | 'settle'; account: number; invoice: string | null }
  | { kind: 'void' | 'remove'; pick: number }
);

const account = fc.integer({ min: 0, max: ACCOUNTS.length - 1 });
const invoice = fc.option(fc.constantFrom('inv-1', 'inv-2'), { nil: null });
/** An instant: mostly moving forward from START, sometimes back before the last one. */
const at = fc.integer({ min: -3 * DAY, max: 40 * DAY }).map((ms) => START + ms);

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      at,
      kind: fc.constant('grant' as const),
      grants: fc.array(
        fc.record({
          account,
          amount: fc.integer({ min: 1, max: 500 }),
          from: fc.integer({ min: -20, max: 10 }),
          until: fc.option(fc.integer({ min: -10, max: 30 }), { nil: null }),
          key: fc.option(fc.constantFrom('k1', 'k2'), { nil: null }),
          priority: fc.integer({ min: 1, max: 3 }),
        }),
        { minLength: 1, maxLength: 3 },
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ at, kind: fc.constant('account' as const), account: fc.integer({ min: 0, max: 3 }) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      at,
      kind: fc.constant('consume' as const),
      account,
      amount: fc.integer({ min: 1, max: 400 }),
      hold: fc.boolean(),
      invoice,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ at, kind: fc.constantFrom('release' as const, 'settle' as const), account, invoice }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ at, kind: fc.constantFrom('void' as const, 'remove' as const), pick: fc.nat() }),
  },
);

/** Account names: the three of ACCOUNTS plus one only `account` ops make. */
const accountName = (i: number): string => ACCOUNTS[i] ?? 'D';

/**
 * Runs one op on `ledger` (credits named by `ids`, which it extends with the
 * credits granted); answers the result, or the refusal, as text.
 */
export function applyOp(ledger: Ledger, op: Op, ids: string[]): string {
  try {
    switch (op.kind) {
      case 'grant': {
        const credits = ledger.grant(
          op.grants.map((g) => ({
            accountId: accountName(g.account),
            purpose: 'PREPAID_CREDIT',
            effectiveFrom: day(g.from),
            ...(g.until === null ? {} : { effectiveUntil: day(Math.max(g.from, g.from + g.until)) }),
            creditAmount: g.amount,
            priority: g.priority,
            ...(g.key === null ? {} : { idempotencyKey: g.key }),
          })),
          op.at,
        );
        for (const c of credits) if (!ids.includes(c.id)) ids.push(c.id);
        return JSON.stringify(credits);
      }
      case 'account':
        return JSON.stringify(ledger.createAccount({ accountId: accountName(op.account) }, op.at).id);
      case 'consume':
        return JSON.stringify(
          ledger.consume(
            accountName(op.account),
            { amount: op.amount, hold: op.hold, ...(op.invoice === null ? {} : { invoiceId: op.invoice }) },
            op.at,
          ),
        );
      case 'release':
      case 'settle': {
        const selector = op.invoice === null ? {} : { invoiceId: op.invoice };
        const outcome =
          op.kind === 'release'
            ? ledger.releaseHolds(accountName(op.account), selector, op.at)
            : ledger.settleHolds(accountName(op.account), selector, op.at);
        return JSON.stringify(outcome);
      }
      case 'void':
        return ids.length === 0 ? 'none' : JSON.stringify(ledger.void(ids[op.pick % ids.length]!, op.at));
      case 'remove':
        if (ids.length === 0) return 'none';
        ledger.settle(op.at);
        return JSON.stringify(ledger.removeCredit(ids[op.pick % ids.length]!));
    }
  } catch (err) {
    // A refusal changes nothing; anything else (a TypeError) is a bug and fails the property.
    if (err instanceof MockError) return `${err.kind}: ${err.message}`;
    throw err;
  }
}

/** Everything a ledger shows through its read calls at `now` (these settle, like any read). */
export function readAll(ledger: Ledger, ids: readonly string[], now: number): unknown {
  const out: unknown[] = [];
  let after: string | undefined;
  do {
    const page = ledger.list({ pageSize: 2, ...(after === undefined ? {} : { afterId: after }) }, now);
    out.push(page.credits);
    after = page.nextAfterId;
  } while (after !== undefined);
  for (const a of [...ACCOUNTS, 'D']) {
    out.push(ledger.balance(a, now), ledger.list({ pageSize: 50, accountId: a }, now));
    if (ledger.getAccount(a)) out.push(ledger.listHolds(a, now));
  }
  for (const id of ids) out.push(ledger.has(id) ? ledger.getCreditDetails(id, now) : `gone ${id}`);
  return out;
}
