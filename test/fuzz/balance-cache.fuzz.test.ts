// The ledger keeps each account's last balance and reuses it while nothing
// changed and the clock stays between the same credit boundaries. This
// property drives random grants (some starting in the future, some without an
// end), consumption, holds, voids and clock moves (backwards too), and after
// every step compares the balance with one computed from scratch by a fresh
// ledger restored from a snapshot, which has no cache at all.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MockError } from '../../src/domain/errors.js';
import { Ledger } from '../../src/domain/ledger.js';
import { fcParams, FUZZ_TIMEOUT } from './config.js';

const DAY = 86_400_000;
const START = Date.parse('2024-06-01T12:00:00Z');
const ACCOUNTS = ['A', 'B'] as const;
const day = (offset: number): string => new Date(START + offset * DAY).toISOString().slice(0, 10);

type Op =
  | { kind: 'grant'; account: number; amount: number; from: number; until: number | null }
  | { kind: 'consume'; account: number; amount: number; hold: boolean }
  | { kind: 'release' | 'settle'; account: number }
  | { kind: 'void'; pick: number }
  | { kind: 'clock'; ms: number }
  | { kind: 'read'; account: number };

const account = fc.integer({ min: 0, max: ACCOUNTS.length - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('grant' as const),
    account,
    amount: fc.integer({ min: 1, max: 500 }),
    from: fc.integer({ min: -5, max: 5 }),
    until: fc.option(fc.integer({ min: -2, max: 10 }), { nil: null }),
  }),
  fc.record({
    kind: fc.constant('consume' as const),
    account,
    amount: fc.integer({ min: 1, max: 300 }),
    hold: fc.boolean(),
  }),
  fc.record({ kind: fc.constantFrom('release' as const, 'settle' as const), account }),
  fc.record({ kind: fc.constant('void' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('clock' as const), ms: fc.integer({ min: -4 * DAY, max: 6 * DAY }) }),
  fc.record({ kind: fc.constant('read' as const), account }),
);

/** The balance as a ledger without any cached state computes it. */
function fromScratch(ledger: Ledger, accountId: string, now: number): unknown {
  const fresh = new Ledger();
  fresh.restore(ledger.snapshot());
  return fresh.balance(accountId, now);
}

describe('cached account balances', () => {
  it(
    'always equal a balance computed from scratch, whatever changed and wherever the clock went',
    () => {
      fc.assert(
        fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), (ops) => {
          const ledger = new Ledger({ seed: 7 });
          let now = START;
          const ids: string[] = [];
          for (const o of ops) {
            try {
              switch (o.kind) {
                case 'grant': {
                  const from = day(o.from);
                  const until = o.until === null ? undefined : day(Math.max(o.from, o.until));
                  const [c] = ledger.grant(
                    [
                      {
                        accountId: ACCOUNTS[o.account]!,
                        purpose: 'PREPAID_CREDIT',
                        effectiveFrom: from,
                        effectiveUntil: until,
                        creditAmount: o.amount,
                        priority: 1,
                      },
                    ],
                    now,
                  );
                  ids.push(c!.id);
                  break;
                }
                case 'consume':
                  ledger.consume(ACCOUNTS[o.account]!, { amount: o.amount, hold: o.hold }, now);
                  break;
                case 'release':
                  ledger.releaseHolds(ACCOUNTS[o.account]!, {}, now);
                  break;
                case 'settle':
                  ledger.settleHolds(ACCOUNTS[o.account]!, {}, now);
                  break;
                case 'void':
                  if (ids.length > 0) ledger.void(ids[o.pick % ids.length]!, now);
                  break;
                case 'clock':
                  now += o.ms;
                  break;
                case 'read':
                  break;
              }
            } catch (err) {
              // Refused operations (unknown account, a credit no longer ACTIVE) change nothing;
              // anything else (a TypeError, a RangeError) is a bug and fails the property.
              if (!(err instanceof MockError)) throw err;
            }
            for (const a of ACCOUNTS) {
              const cached = ledger.balance(a, now);
              expect(cached).toEqual(fromScratch(ledger, a, now));
              // Asked again at once: the cached answer, still equal.
              expect(ledger.balance(a, now)).toEqual(cached);
            }
          }
        }),
        fcParams(300),
      );
    },
    FUZZ_TIMEOUT,
  );
});
