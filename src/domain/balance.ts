// An account's credit balance at an instant, as CreditBalanceForAccount
// answers it, and the span of time around that instant in which the same
// sums hold (no credit comes into effect or lapses inside it), so the ledger
// can reuse a balance while nothing changes (see Ledger.balance).

import type { CreditBalanceResponse } from '../spec/types.js';
import { iso } from './api-shapes.js';
import type { Timestamps } from './compact.js';
import { add, sub } from './money.js';
import type { AccountRecord } from './records.js';

/** A balance and the instants from <= now < until it holds for, the ledger unchanged. */
export interface BalanceSpan {
  from: number;
  until: number;
  balance: CreditBalanceResponse;
}

/** The balance of an account that has no credits (and may not exist). */
export function emptyBalance(unit: string, now: number): CreditBalanceResponse {
  return {
    activeCredits: 0,
    availableBalance: 0,
    runningBalance: 0,
    inapplicableCredits: 0,
    unit,
    lastUpdatedAt: iso(now),
  };
}

/**
 * Walks the account's ACTIVE credits: those in effect at `now` are active
 * (less what was consumed, available; less what is held, running), those not
 * yet in effect inapplicable. Those whose window has closed by `now` count as
 * expired whether or not the expiry is written yet (reads write nothing), and
 * the account's lastUpdatedAt is then the one the expiry will give it.
 * `times` holds the credits' createdAt (an expiry is never before it).
 */
export function balanceOf(account: AccountRecord, now: number, times: Timestamps): BalanceSpan {
  let active = 0;
  let consumed = 0;
  let held = 0;
  let inapplicable = 0;
  let updatedAt = account.updatedAt;
  // The span around `now` in which every credit keeps its class.
  let from = -Infinity;
  let until = Infinity;
  for (const r of account.credits) {
    if (r.status !== 'ACTIVE') continue;
    const amount = r.creditAmount ?? 0;
    if (r.untilMs <= now) {
      // Expired, as Ledger.settle writes it.
      from = Math.max(from, r.untilMs);
      updatedAt = Math.max(updatedAt, r.untilMs, times.createdAt(r.seq));
    } else if (r.fromMs > now) {
      inapplicable = add(inapplicable, amount);
      until = Math.min(until, r.fromMs);
    } else {
      active = add(active, amount);
      consumed = add(consumed, r.consumedAmount);
      held = add(held, r.holdAmount);
      from = Math.max(from, r.fromMs);
      until = Math.min(until, r.untilMs);
    }
  }
  const available = sub(active, consumed);
  const balance: CreditBalanceResponse = {
    activeCredits: active,
    availableBalance: available,
    runningBalance: sub(available, held),
    inapplicableCredits: inapplicable,
    unit: account.currency,
    lastUpdatedAt: iso(updatedAt),
  };
  return { from, until, balance };
}
