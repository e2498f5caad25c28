// Amounts are JSON numbers, held as doubles: the largest is about 1.8e308,
// and a sum past it is Infinity, which JSON writes as null. A grant that
// would make an account's credits add up to that is refused, so balances and
// account views always stay numbers. Pure: reads the stored credits, changes
// nothing.

import type { CreditRequest } from '../spec/types.js';
import { invalid } from './errors.js';
import type { CreditRecord } from './records.js';

/** Below this, no sum of credits can overflow (it would take over 1e108 of them). */
const HUGE = 1e200;

const clip = (s: string): string => (s.length > 60 ? `${s.slice(0, 60)}...` : s);

/**
 * Throws a 400 naming the first request whose account total (stored credits
 * of every status, plus the batch so far, every request counted as new) would
 * not be finite. `creditsOf` gives an account's stored credits.
 */
export function checkFiniteTotals(
  requests: CreditRequest[],
  creditsOf: (accountId: string) => readonly CreditRecord[],
): void {
  // Realistic amounts cannot overflow; only absurd ones pay for the check.
  if (!requests.some((r) => (r.creditAmount ?? 0) >= HUGE)) return;
  const totals = new Map<string, number>();
  requests.forEach((r, i) => {
    let total = totals.get(r.accountId);
    if (total === undefined) total = creditsOf(r.accountId).reduce((sum, c) => sum + (c.creditAmount ?? 0), 0);
    total += r.creditAmount ?? 0;
    if (!Number.isFinite(total)) {
      throw invalid(
        `creditRequests[${i}].creditAmount is too large: the credits of account ${clip(r.accountId)} would add up to more than ${Number.MAX_VALUE}`,
      );
    }
    totals.set(r.accountId, total);
  });
}
