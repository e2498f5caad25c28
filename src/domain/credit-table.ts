// Every credit of one ledger, in creation order, and how each is kept: the
// record itself (records.ts) plus the side arrays holding its timestamps and
// the id of its CREDITED transaction by seq (compact.ts). This file knows how
// credits are stored, not the rules for changing them (ledger.ts).

import type { CreditRequest } from '../spec/types.js';
import { PackedIds, StringPool, Timestamps, dateOf, dayOf } from './compact.js';
import { CreditRecord, NO_END_DAY, NO_ENTITIES, type AccountRecord, type CreditExtra, type TransactionRecord } from './records.js';

export class CreditTable {
  /** Every credit in creation order; index === seq. */
  private readonly records: CreditRecord[] = [];
  private readonly byId = new Map<string, CreditRecord>();
  /** createdAt and updatedAt of every credit, by seq. */
  readonly times = new Timestamps();
  private readonly creditedIds = new PackedIds();
  private readonly strings = new StringPool(10_000);

  get size(): number {
    return this.records.length;
  }

  /** Every credit in creation order (index === seq). */
  get all(): readonly CreditRecord[] {
    return this.records;
  }

  get(id: string): CreditRecord | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  createdAt(r: CreditRecord): number {
    return this.times.createdAt(r.seq);
  }

  /** The one copy kept of a string many credits repeat. */
  intern(s: string): string {
    return this.strings.intern(s);
  }

  /**
   * Stores a new ACTIVE credit of `account` (and appends it to the account's
   * credits) as granted by `q`. `transactions` is the id of its CREDITED
   * transaction (of creditAmount, at createdAt), or the full list of a credit
   * restored from a snapshot.
   */
  add(
    id: string,
    account: AccountRecord,
    q: CreditRequest,
    extra: CreditExtra | undefined,
    createdAt: number,
    updatedAt: number,
    transactions: string | TransactionRecord[],
  ): CreditRecord {
    const entities = q.applicableEntityIds;
    const fromDay = dayOf(q.effectiveFrom);
    const untilDay = q.effectiveUntil === undefined ? NO_END_DAY : dayOf(q.effectiveUntil);
    // Dates are kept as day numbers; a string they would not spell back exactly is kept as sent.
    if (dateOf(fromDay) !== q.effectiveFrom) (extra ??= {}).effectiveFrom = q.effectiveFrom;
    if (q.effectiveUntil !== undefined && dateOf(untilDay) !== q.effectiveUntil) (extra ??= {}).effectiveUntil = q.effectiveUntil;
    const record = new CreditRecord(
      this.records.length,
      id,
      account,
      this.strings.intern(q.purpose),
      q.creditAmount,
      q.priority,
      entities === undefined || entities.length === 0 ? NO_ENTITIES : entities,
      extra,
      fromDay,
      untilDay,
      undefined,
    );
    if (typeof transactions !== 'string') record.txs = transactions;
    else if (PackedIds.fits(transactions)) this.creditedIds.set(record.seq, transactions);
    else record.txs = [{ id: transactions, type: 'CREDITED', amount: q.creditAmount ?? 0, createdAt }];
    this.times.set(record.seq, createdAt, updatedAt);
    this.records.push(record);
    this.byId.set(id, record);
    account.credits.push(record);
    return record;
  }

  /** The credit's transactions as records (expands the compact single-CREDITED form). */
  transactionsOf(r: CreditRecord): TransactionRecord[] {
    if (r.txs !== undefined) return r.txs;
    return [{ id: this.creditedIds.get(r.seq), type: 'CREDITED', amount: r.creditAmount ?? 0, createdAt: this.times.createdAt(r.seq) }];
  }

  addTransaction(r: CreditRecord, tx: TransactionRecord): void {
    (r.txs ??= this.transactionsOf(r)).push(tx);
  }

  /** Notes a change to the credit at `at` (its updatedAt). */
  touch(r: CreditRecord, at: number): void {
    this.times.touch(r.seq, at);
  }

  clear(): void {
    this.records.length = 0;
    this.byId.clear();
    this.times.clear();
    this.creditedIds.clear();
    this.strings.clear();
  }
}

/** Index of the first record whose seq is greater than `seq` (records ascend by seq). */
export function firstAfter(records: readonly CreditRecord[], seq: number): number {
  let lo = 0;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (records[mid]!.seq <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
