// How the control API shows accounts: the `Account` and `AccountDetails`
// shapes of spec/togai-mock-control.yaml, built from a ledger as of `now`.
// Views only read: an expiry due by `now` that no change has written yet is
// shown as it will be written (the ledger's reads do that), never written here.

import type { Ledger } from '../domain/ledger.js';
import type { AccountRecord, HoldRecord } from '../domain/records.js';

const iso = (ms: number): string => new Date(ms).toISOString();

export function accountView(ledger: Ledger, account: AccountRecord, now: number) {
  // updatedAt as of `now` is the balance's lastUpdatedAt: the two always agree.
  const balance = ledger.balance(account.id, now);
  return {
    accountId: account.id,
    customerId: account.customerId,
    currency: account.currency,
    createdAt: iso(account.createdAt),
    updatedAt: balance.lastUpdatedAt,
    creditCount: account.credits.length,
    balance,
  };
}

export function holdView(h: HoldRecord) {
  const out: {
    holdId: string;
    creditId: string;
    amount: number;
    createdAt: string;
    invoiceId?: string;
    entityId?: string;
  } = {
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
