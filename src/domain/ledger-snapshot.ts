// A ledger's contents as the snapshot document keeps them (the `ledger` of a
// TenantSnapshot in spec/togai-mock-control.yaml): the full, documented shape,
// whatever compact form the ledger holds them in. Used by GET/PUT
// /_mock/state and the state file, and, one credit or account at a time, for
// the before-images of undo records (undo.ts).

import type { components } from '../spec/control-types.gen.js';
import { PackedIds } from './compact.js';
import type { AccountTable } from './account-table.js';
import type { CreditTable } from './credit-table.js';
import { invalid } from './errors.js';
import type { AccountRecord, CreditExtra, CreditRecord, HoldRecord, TransactionRecord } from './records.js';

type Schemas = components['schemas'];
export type LedgerSnapshot = Schemas['TenantSnapshot']['ledger'];
export type AccountSnapshot = Schemas['AccountSnapshot'];
export type CreditSnapshot = Schemas['CreditSnapshot'];
export type HoldSnapshot = Schemas['HoldSnapshot'];

/** The snapshot of a ledger's accounts (with their holds), credits and id generator state. */
export function snapshotOf(accounts: readonly AccountRecord[], credits: CreditTable, idState: number): LedgerSnapshot {
  const out: CreditSnapshot[] = [];
  for (const r of credits.all) if (r !== undefined) out.push(creditSnapshotOf(r, credits));
  return {
    accounts: accounts.map(accountSnapshotOf),
    credits: out,
    holds: accounts.flatMap((a) => a.holds.map((h) => holdSnapshotOf(a, h))),
    idState,
  };
}

export const accountSnapshotOf = ({
  id,
  customerId,
  currency,
  createdAt,
  updatedAt,
}: AccountRecord): AccountSnapshot => ({
  id,
  customerId,
  currency,
  createdAt,
  updatedAt,
});

export const holdSnapshotOf = (a: AccountRecord, h: HoldRecord): HoldSnapshot => ({ ...h, accountId: a.id });

export function creditSnapshotOf(r: CreditRecord, credits: CreditTable): CreditSnapshot {
  const { times } = credits;
  return {
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
  accounts: AccountTable,
  credits: CreditTable,
  added: (record: CreditRecord) => void,
): void {
  for (const a of snap.accounts) accounts.add({ ...a, credits: [], holds: [] });
  for (const c of snap.credits) {
    const account = accounts.get(c.request.accountId);
    if (!account) throw invalid(`snapshot: credit ${c.id} belongs to unknown account ${c.request.accountId}`);
    added(addCredit(c, account, credits));
  }
  for (const { accountId, ...h } of snap.holds) {
    const account = accounts.get(accountId);
    if (!account || !credits.has(h.creditId)) throw invalid(`snapshot: hold ${h.id} refers to unknown data`);
    account.holds.push(h);
  }
}

/** Stores credit `c` of `account` as the snapshot says, last in order or right after `after` (null: first). */
export function addCredit(
  c: CreditSnapshot,
  account: AccountRecord,
  credits: CreditTable,
  after?: CreditRecord | null,
): CreditRecord {
  const { extra, transactions } = storedFormOf(c, account);
  const record = credits.add(c.id, account, c.request, extra, c.createdAt, c.updatedAt, transactions, after);
  record.status = c.status;
  record.holdAmount = c.holdAmount;
  record.consumedAmount = c.consumedAmount;
  return record;
}

/** Puts a stored credit's changeable state (status, amounts, updatedAt, transactions) back to what `c` says. */
export function resetCredit(r: CreditRecord, c: CreditSnapshot, credits: CreditTable): void {
  r.status = c.status;
  r.holdAmount = c.holdAmount;
  r.consumedAmount = c.consumedAmount;
  credits.touch(r, c.updatedAt);
  credits.setTransactions(r, storedFormOf(c, r.account).transactions, c.createdAt);
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
