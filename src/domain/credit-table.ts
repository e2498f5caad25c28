// Every credit of one ledger, in creation order, and how each is kept: the
// record itself (records.ts) plus the side arrays holding its timestamps and
// the id of its CREDITED transaction by seq (compact.ts). This file knows how
// credits are stored, not the rules for changing them (ledger.ts).
//
// A credit's seq is its slot: its index in `slots` and in the side arrays,
// and its place in the listing order. A removed credit leaves an empty slot
// (listing skips it; trailing ones are dropped, so a created-then-removed
// credit leaves nothing behind). A credit put back where one was removed
// takes the free slot after the credit it followed; where there is none (the
// table was rebuilt from a snapshot in between) the credits up to the next
// free slot move up one seq to make room.

import type { CreditRequest } from '../spec/types.js';
import { PackedIds, StringPool, Timestamps, dateOf, dayOf } from './compact.js';
import {
  CreditRecord,
  NO_END_DAY,
  NO_ENTITIES,
  type AccountRecord,
  type CreditExtra,
  type TransactionRecord,
} from './records.js';

export class CreditTable {
  /** Every credit by seq (creation order); undefined where one was removed. */
  private readonly slots: Array<CreditRecord | undefined> = [];
  private readonly byId = new Map<string, CreditRecord>();
  /** createdAt and updatedAt of every credit, by seq. */
  readonly times = new Timestamps();
  private readonly creditedIds = new PackedIds();
  private readonly strings = new StringPool(10_000);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Every credit by seq, in listing order; skip the undefined slots of removed credits. */
  get all(): ReadonlyArray<CreditRecord | undefined> {
    return this.slots;
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
   * Stores a new credit of `account` (ACTIVE; its caller sets any other
   * state) as granted by `q`, last in order, or right after credit `after`
   * (null: first) when given. `transactions` is the id of its CREDITED
   * transaction (of creditAmount, at createdAt), or its full list.
   */
  add(
    id: string,
    account: AccountRecord,
    q: CreditRequest,
    extra: CreditExtra | undefined,
    createdAt: number,
    updatedAt: number,
    transactions: string | TransactionRecord[],
    after?: CreditRecord | null,
  ): CreditRecord {
    const entities = q.applicableEntityIds;
    const fromDay = dayOf(q.effectiveFrom);
    const untilDay = q.effectiveUntil === undefined ? NO_END_DAY : dayOf(q.effectiveUntil);
    // Dates are kept as day numbers; a string they would not spell back exactly is kept as sent.
    if (dateOf(fromDay) !== q.effectiveFrom) (extra ??= {}).effectiveFrom = q.effectiveFrom;
    if (q.effectiveUntil !== undefined && dateOf(untilDay) !== q.effectiveUntil)
      (extra ??= {}).effectiveUntil = q.effectiveUntil;
    const seq = after === undefined ? this.slots.length : this.makeRoomAfter(after);
    const record = new CreditRecord(
      seq,
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
    this.setTransactions(record, transactions, createdAt);
    this.times.set(seq, createdAt, updatedAt);
    this.slots[seq] = record;
    this.byId.set(id, record);
    this.count++;
    const list = account.credits;
    if (list.length === 0 || list[list.length - 1]!.seq < seq) list.push(record);
    else list.splice(firstAfter(list, seq), 0, record);
    return record;
  }

  /**
   * Takes a credit out: its slot is left empty, and it leaves its account's
   * credits. The record itself is not changed (undo records read it first).
   */
  remove(r: CreditRecord): void {
    if (this.byId.get(r.id) !== r) return;
    this.slots[r.seq] = undefined;
    while (this.slots.length > 0 && this.slots[this.slots.length - 1] === undefined) this.slots.length--;
    this.byId.delete(r.id);
    this.count--;
    const list = r.account.credits;
    const at = firstAfter(list, r.seq) - 1;
    if (at >= 0 && list[at] === r) list.splice(at, 1);
  }

  /** The stored credit just before `r` in order, if any. */
  previous(r: CreditRecord): CreditRecord | undefined {
    for (let seq = r.seq - 1; seq >= 0; seq--) {
      const p = this.slots[seq];
      if (p !== undefined) return p;
    }
    return undefined;
  }

  /** A free seq right after `after` (null: before every credit), moving later credits up one when none is free. */
  private makeRoomAfter(after: CreditRecord | null): number {
    const seq = after === null ? 0 : after.seq + 1;
    if (this.slots[seq] === undefined) return seq;
    let free = seq + 1;
    while (free < this.slots.length && this.slots[free] !== undefined) free++;
    this.times.shiftUp(seq, free);
    this.creditedIds.shiftUp(seq, free);
    for (let s = free; s > seq; s--) {
      const moved = this.slots[s - 1]!;
      moved.seq = s;
      this.slots[s] = moved;
    }
    this.slots[seq] = undefined;
    return seq;
  }

  /** The credit's transactions as records (expands the compact single-CREDITED form). */
  transactionsOf(r: CreditRecord): TransactionRecord[] {
    if (r.txs !== undefined) return r.txs;
    return [
      {
        id: this.creditedIds.get(r.seq),
        type: 'CREDITED',
        amount: r.creditAmount ?? 0,
        createdAt: this.times.createdAt(r.seq),
      },
    ];
  }

  /**
   * Sets a credit's transactions: just the id of its CREDITED one (of
   * creditAmount at createdAt, kept packed when it has the usual shape), or
   * the full list.
   */
  setTransactions(r: CreditRecord, transactions: string | TransactionRecord[], createdAt: number): void {
    if (typeof transactions !== 'string') r.txs = transactions;
    else if (PackedIds.fits(transactions)) {
      this.creditedIds.set(r.seq, transactions);
      r.txs = undefined;
    } else r.txs = [{ id: transactions, type: 'CREDITED', amount: r.creditAmount ?? 0, createdAt }];
  }

  addTransaction(r: CreditRecord, tx: TransactionRecord): void {
    (r.txs ??= this.transactionsOf(r)).push(tx);
  }

  /** Notes a change to the credit at `at` (its updatedAt). */
  touch(r: CreditRecord, at: number): void {
    this.times.touch(r.seq, at);
  }

  clear(): void {
    this.slots.length = 0;
    this.byId.clear();
    this.count = 0;
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
