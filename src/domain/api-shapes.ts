// Stored records as the Credits spec's shapes (Credit, CreditDetailsResponse,
// CreditTransaction). Every read of the Togai API passes here, so each shape
// is built in one pass with its keys in a fixed order.

import type { Credit, CreditDetailsResponse, CreditTransaction } from '../spec/types.js';
import type { Timestamps } from './compact.js';
import { NO_ENTITIES, type CreditRecord, type TransactionRecord } from './records.js';

/** Credits were granted in bursts within one millisecond: remember the last conversion. */
let lastIsoMs = NaN;
let lastIso = '';
export const iso = (ms: number): string => {
  if (ms !== lastIsoMs) {
    lastIso = new Date(ms).toISOString();
    lastIsoMs = ms;
  }
  return lastIso;
};

/**
 * The API shape of a stored credit, keys in a fixed order; optional fields
 * only when sent (absent, not undefined: deep-equality checks in clients'
 * tests should not see them). Built in one pass, never with `delete`, so
 * the object keeps a fast shape for serialisation. `times` holds the
 * ledger's createdAt/updatedAt of every credit.
 */
export function toCredit(r: CreditRecord, times: Timestamps): Credit {
  const credit = {
    id: r.id,
    customerId: r.customerId,
    accountId: r.account.id,
    purpose: r.purpose,
    effectiveFrom: r.effectiveFrom,
  } as Credit;
  if (r.effectiveUntil !== undefined) credit.effectiveUntil = r.effectiveUntil;
  if (r.creditAmount !== undefined) credit.creditAmount = r.creditAmount;
  credit.priority = r.priority;
  credit.status = r.status;
  credit.applicableEntityIds = r.applicableEntityIds === NO_ENTITIES ? [] : r.applicableEntityIds;
  const extra = r.extra;
  if (extra !== undefined) {
    if (extra.grantorId !== undefined) credit.grantorId = extra.grantorId;
    if (extra.idempotencyKey !== undefined) credit.idempotencyKey = extra.idempotencyKey;
  }
  credit.creditUnit = r.creditUnit;
  credit.holdAmount = r.holdAmount;
  credit.consumedAmount = r.consumedAmount;
  credit.createdAt = iso(times.createdAt(r.seq));
  credit.updatedAt = iso(times.updatedAt(r.seq));
  return credit;
}

/**
 * A credit shape (as toCredit built it) made to read as expired at `at`, as
 * the ledger writes an expiry: EXPIRED, holds released, updated then. Keys
 * keep their order (each is already there).
 */
export function toExpired<T extends Credit>(credit: T, at: number): T {
  credit.status = 'EXPIRED';
  credit.holdAmount = 0;
  credit.updatedAt = iso(at);
  return credit;
}

/** A credit with its transactions (`transactions`: the credit's, oldest first). */
export function toCreditDetails(
  r: CreditRecord,
  times: Timestamps,
  transactions: TransactionRecord[],
): CreditDetailsResponse {
  const details = toCredit(r, times) as CreditDetailsResponse;
  details.transactions = transactions.map((t) => toTransaction(r.id, t));
  return details;
}

export function toTransaction(creditId: string, t: TransactionRecord): CreditTransaction {
  const tx: CreditTransaction = {
    id: t.id,
    creditId,
    transactionType: t.type,
    amount: t.amount,
    createdAt: iso(t.createdAt),
  };
  if (t.invoiceId !== undefined) tx.invoiceId = t.invoiceId;
  if (t.entityId !== undefined) tx.entityId = t.entityId;
  return tx;
}
