// How the control API shows accounts: the `Account` and `AccountDetails`
// shapes of spec/togai-mock-control.yaml, built from a ledger at `now`.

import type { Ledger } from '../domain/ledger.js';
import type { AccountRecord, HoldRecord } from '../domain/records.js';

const iso = (ms: number): string => new Date(ms).toISOString();

export function accountView(ledger: Ledger, account: AccountRecord, now: number) {
  // Expiries due by `now` first, so updatedAt and the balance agree.
  ledger.settle(now);
  return {
    accountId: account.id,
    customerId: account.customerId,
    currency: account.currency,
    createdAt: iso(account.createdAt),
    updatedAt: iso(account.updatedAt),
    creditCount: account.credits.length,
    balance: ledger.balance(account.id, now),
  };
}

export function holdView(h: HoldRecord) {
  const out: { holdId: string; creditId: string; amount: number; createdAt: string; invoiceId?: string; entityId?: string } = {
    holdId: h.id,
    creditId: h.creditId,
    amount: h.amount,
    createdAt: iso(h.createdAt),
  };
  if (h.invoiceId !== undefined) out.invoiceId = h.invoiceId;
  if (h.entityId !== undefined) out.entityId = h.entityId;
  return out;
}

export function accountDetailsView(ledger: Ledger, account: AccountRecord, now: number) {
  return {
    ...accountView(ledger, account, now),
    credits: account.credits.map((r) => ledger.getCreditDetails(r.id, now)),
    holds: ledger.listHolds(account.id, now).map(holdView),
  };
}
