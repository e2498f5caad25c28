// A ledger's contents as the snapshot document keeps them (the `ledger` of a
// TenantSnapshot in spec/togai-mock-control.yaml): the full, documented shape,
// whatever compact form the ledger holds them in. Used by GET/PUT
// /_mock/state, the state file, seeding's all-or-nothing and provider states.

import type { components } from '../spec/control-types.gen.js';
import { PackedIds } from './compact.js';
import type { CreditTable } from './credit-table.js';
import { invalid } from './errors.js';
import type { AccountRecord, CreditExtra, CreditRecord, TransactionRecord } from './records.js';

export type LedgerSnapshot = components['schemas']['TenantSnapshot']['ledger'];
export type CreditSnapshot = LedgerSnapshot['credits'][number];

/** The snapshot of a ledger's accounts (with their holds) and credits. */
export function snapshotOf(accounts: readonly AccountRecord[], credits: CreditTable): LedgerSnapshot {
  const { times } = credits;
  return {
    accounts: accounts.map(({ credits: _c, holds: _h, ...a }) => a),
    credits: credits.all.map((r) => ({
      id: r.id,
      request: r.request,
      customerId: r.customerId,
      creditUnit: r.creditUnit,
      status: r.status,
      holdAmount: r.holdAmount,
      consumedAmount: r.consumedAmount,
      createdAt: times.createdAt(r.seq),
      updatedAt: times.updatedAt(r.seq),
      transactions: credits.transactionsOf(r).map((t) => ({ ...t })),
    })),
    holds: accounts.flatMap((a) => a.holds.map((h) => ({ ...h, accountId: a.id }))),
  };
}

/**
 * Loads a snapshot into empty `accounts` and `credits`. `added` is told of
 * each credit once its state is set, for the ledger's own indexes (expiries,
 * idempotency keys). Throws on a credit or hold of unknown data, keeping
 * what was loaded so far: documents from outside are loaded into a fresh
 * ledger that is dropped on error (MemoryStore.restore).
 */
export function loadSnapshot(
  snap: LedgerSnapshot,
  accounts: Map<string, AccountRecord>,
  credits: CreditTable,
  added: (record: CreditRecord, request: CreditSnapshot['request']) => void,
): void {
  for (const a of snap.accounts) accounts.set(a.id, { ...a, credits: [], holds: [] });
  for (const c of snap.credits) {
    const q = c.request;
    const account = accounts.get(q.accountId);
    if (!account) throw invalid(`snapshot: credit ${c.id} belongs to unknown account ${q.accountId}`);
    const { extra, transactions } = storedFormOf(c, account);
    const record = credits.add(c.id, account, q, extra, c.createdAt, c.updatedAt, transactions);
    record.status = c.status;
    record.holdAmount = c.holdAmount;
    record.consumedAmount = c.consumedAmount;
    added(record, q);
  }
  for (const { accountId, ...h } of snap.holds) {
    const account = accounts.get(accountId);
    if (!account || !credits.has(h.creditId)) throw invalid(`snapshot: hold ${h.id} refers to unknown data`);
    account.holds.push(h);
  }
}

/**
 * How credit `c` of `account` is to be stored (see CreditTable.add): the
 * extra fields the account does not already say, and its transactions, as
 * just the id of the grant's CREDITED one when that is all there is.
 */
function storedFormOf(
  c: CreditSnapshot,
  account: AccountRecord,
): { extra: CreditExtra | undefined; transactions: string | TransactionRecord[] } {
  const q = c.request;
  let extra: CreditExtra | undefined;
  const set = (k: keyof CreditExtra, v: string | undefined): void => {
    if (v !== undefined) (extra ??= {})[k] = v;
  };
  set('grantorId', q.grantorId);
  set('idempotencyKey', q.idempotencyKey);
  if (c.customerId !== account.customerId) set('customerId', c.customerId);
  if (c.creditUnit !== account.currency) set('creditUnit', c.creditUnit);
  const txs = c.transactions.map((t) => ({ ...t }));
  const only = txs.length === 1 ? txs[0]! : undefined;
  // The common case (only the CREDITED transaction of the grant) is kept as just its id.
  const compact =
    only !== undefined &&
    only.type === 'CREDITED' &&
    only.amount === (q.creditAmount ?? 0) &&
    only.createdAt === c.createdAt &&
    only.invoiceId === undefined &&
    only.entityId === undefined &&
    Object.keys(only).length === 4 &&
    PackedIds.fits(only.id);
  return { extra, transactions: compact ? only.id : txs };
}
