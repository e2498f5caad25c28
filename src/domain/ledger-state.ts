// How a ledger's state is kept and taken back, below its rules (ledger.ts):
// the accounts, the credit table, the indexes over them (idempotency keys,
// the expiry queue, the balance cache's change count), the id generator, and
// the capture of changes for undo (undo.ts), with the primitive changes a
// revert is made of. Every change to a stored record passes note() first so
// that open captures can keep its before-image.

import { AccountTable } from './account-table.js';
import type { BalanceSpan } from './balance.js';
import { CreditTable } from './credit-table.js';
import { MinHeap } from './heap.js';
import { IdGenerator } from './ids.js';
import {
  addCredit,
  loadSnapshot,
  resetCredit,
  snapshotOf,
  type AccountSnapshot,
  type CreditSnapshot,
  type HoldSnapshot,
  type LedgerSnapshot,
} from './ledger-snapshot.js';
import { NO_END_DAY, type AccountRecord, type CreditRecord } from './records.js';
import { Capture, revertChanges, type LedgerUndo, type UndoTarget } from './undo.js';

/** A balance as computed, valid while the ledger's change count is `changes` and from <= now < until. */
export interface CachedBalance extends BalanceSpan {
  changes: number;
}

/** Idempotency keys are unique per account. */
export const idempotencyKeyOf = (accountId: string, key: string): string => `${accountId}\u0000${key}`;

export class LedgerState {
  protected readonly accounts = new AccountTable();
  protected readonly credits = new CreditTable();
  protected readonly idempotency = new Map<string, CreditRecord>();
  /** ACTIVE credits with an effectiveUntil, keyed by the instant they expire. */
  protected readonly expiries = new MinHeap<CreditRecord>();
  protected readonly ids: IdGenerator;
  /**
   * Counts every change to the ledger (a credit touched, granted, an account
   * created, a restore). A cached balance is only used at the count it was
   * computed at, so no change can leave a stale one behind.
   */
  protected changes = 0;
  /** The last balance computed per account, with the span of time it holds for. */
  protected readonly balances = new Map<string, CachedBalance>();
  /** Captures in progress, outermost first (see beginCapture). */
  protected readonly captures: Capture[] = [];

  constructor(seed: number) {
    this.ids = new IdGenerator(seed);
  }

  get creditCount(): number {
    return this.credits.size;
  }

  get accountCount(): number {
    return this.accounts.size;
  }

  /** The id generator's state (uint32): with the same data, the same state makes the same ids. */
  get idState(): number {
    return this.ids.state;
  }

  /** Makes new ids follow `seed` from now on, keeping all data. */
  reseed(seed: number): void {
    this.ids.state = seed;
  }

  getAccount(accountId: string): AccountRecord | undefined {
    return this.accounts.get(accountId);
  }

  listAccounts(): AccountRecord[] {
    return this.accounts.values();
  }

  /** Whether a credit with this id is stored. */
  has(id: string): boolean {
    return this.credits.has(id);
  }

  /** Every new or restored credit passes here (grant, restore, revert). */
  protected track(record: CreditRecord): void {
    this.changes++;
    if (record.status === 'ACTIVE' && record.untilDay !== NO_END_DAY) this.expiries.push(record.untilMs, record);
  }

  /** Before a stored credit changes: open captures keep its before-image. */
  protected note(record: CreditRecord): void {
    for (const c of this.captures) c.credit(record, this.credits);
  }

  // --------------------------------------------------------------- snapshot

  snapshot(): LedgerSnapshot {
    return snapshotOf(this.accounts.values(), this.credits, this.ids.state);
  }

  /**
   * Replaces this ledger's contents with a snapshot (from snapshot()). One
   * without an idState (an older version's) leaves the id generator as it is.
   */
  restore(snap: LedgerSnapshot): void {
    if (this.captures.length > 0) throw new Error('Ledger.restore cannot run while changes are captured');
    this.changes++;
    this.balances.clear();
    this.accounts.clear();
    this.credits.clear();
    this.idempotency.clear();
    this.expiries.clear();
    if (snap.idState !== undefined) this.ids.state = snap.idState;
    loadSnapshot(snap, this.accounts, this.credits, (record) => {
      this.track(record);
      this.index(record);
    });
  }

  // ---------------------------------------------------------------- capture

  /**
   * Runs `change` all or nothing: if it throws, every change it made to the
   * ledger (and the ids it drew) is taken back before the error goes on.
   * The one all-or-nothing there is: the state machine runs each command in
   * it, so nothing below (seeding, fixtures, provider states) needs its own.
   * Costs what `change` touched, never the ledger's size.
   */
  atomically<T>(change: () => T): T {
    this.beginCapture();
    let result: T;
    try {
      result = change();
    } catch (err) {
      this.revert(this.endCapture());
      throw err;
    }
    this.endCapture();
    return result;
  }

  /**
   * Starts recording every change (and the id generator's state) until the
   * matching endCapture(). Captures nest: each open one records every change.
   * An expiry written while capturing is taken back by a revert too
   * (harmless: the next change at that time writes it again identically).
   */
  beginCapture(): void {
    this.captures.push(new Capture(this.ids.state));
  }

  /** Ends the innermost capture; its record (plain JSON) takes its changes back with revert(). */
  endCapture(): LedgerUndo {
    const capture = this.captures.pop();
    if (capture === undefined) throw new Error('Ledger.endCapture without beginCapture');
    return capture.finish(this.ids.state);
  }

  /**
   * Takes back the changes of an undo record: what it changed gets its
   * before-image again, what it removed comes back in its place in order,
   * what it created goes (with any credit since granted on an account it
   * created). Later changes to other records stay. The id generator is
   * rewound too when no id was drawn since the capture ended. Open captures
   * record what this changes, like any change.
   */
  revert(undo: LedgerUndo): void {
    this.changes++;
    revertChanges(undo, this.undoTarget);
    if (this.ids.state === undo.ids.after) this.ids.state = undo.ids.before;
    this.changes++;
  }

  /** Removes a credit (and its holds); false when there is none with that id. */
  removeCredit(id: string): boolean {
    const record = this.credits.get(id);
    if (!record) return false;
    this.dropCredit(record);
    return true;
  }

  /**
   * Removes an account with its credits and holds (a provider state's
   * teardown taking away an account made since its setup); false when there
   * is none. Recorded by open captures like every change.
   */
  removeAccount(id: string): boolean {
    const account = this.accounts.get(id);
    if (!account) return false;
    this.undoTarget.dropAccount(account);
    return true;
  }

  /** Adds a stored credit to the idempotency keys; the first in order keeps a key. */
  protected index(record: CreditRecord): void {
    const key = record.extra?.idempotencyKey;
    if (key === undefined) return;
    const k = idempotencyKeyOf(record.account.id, key);
    const holder = this.idempotency.get(k);
    if (holder === undefined || holder.seq > record.seq) this.idempotency.set(k, record);
  }

  protected dropCredit(record: CreditRecord): void {
    const account = record.account;
    const after = this.credits.previous(record)?.id ?? null;
    for (const c of this.captures) {
      c.credit(record, this.credits);
      c.creditRemoved(record, this.credits, after);
    }
    if (account.holds.some((h) => h.creditId === record.id))
      account.holds = account.holds.filter((h) => h.creditId !== record.id);
    this.credits.remove(record);
    const key = record.extra?.idempotencyKey;
    if (key !== undefined) {
      const k = idempotencyKeyOf(account.id, key);
      if (this.idempotency.get(k) === record) {
        this.idempotency.delete(k);
        const next = account.credits.find((r) => r.extra?.idempotencyKey === key);
        if (next) this.idempotency.set(k, next);
      }
    }
    this.changes++;
  }

  /** The primitive changes a revert is made of, each recorded by open captures. */
  private readonly undoTarget: UndoTarget = {
    account: (id) => this.accounts.get(id),
    credit: (id) => this.credits.get(id),
    putAccount: (snap: AccountSnapshot, after) => {
      this.accounts.add({ ...snap, credits: [], holds: [] }, after);
      for (const c of this.captures) c.accountCreated(snap.id);
    },
    resetAccount: (account, snap: AccountSnapshot) => {
      for (const c of this.captures) c.account(account);
      account.customerId = snap.customerId;
      account.currency = snap.currency;
      account.createdAt = snap.createdAt;
      account.updatedAt = snap.updatedAt;
    },
    dropCredit: (record) => this.dropCredit(record),
    dropAccount: (account) => {
      for (let i = account.credits.length - 1; i >= 0; i--) this.dropCredit(account.credits[i]!);
      const after = this.accounts.previous(account)?.id ?? null;
      for (const c of this.captures) {
        c.account(account);
        c.accountRemoved(account, after);
      }
      this.accounts.remove(account);
      this.balances.delete(account.id);
      this.changes++;
    },
    putCredit: (snap: CreditSnapshot, account, after) => {
      for (const c of this.captures) c.account(account);
      const record = addCredit(snap, account, this.credits, after);
      for (const c of this.captures) c.creditCreated(record.id);
      this.track(record);
      this.index(record);
    },
    resetCredit: (record, snap: CreditSnapshot) => {
      this.note(record);
      resetCredit(record, snap, this.credits);
      this.track(record);
    },
    setHolds: (account, holds: HoldSnapshot[]) => {
      for (const c of this.captures) c.account(account);
      account.holds = holds.map(({ accountId: _a, ...h }) => h);
    },
  };
}
