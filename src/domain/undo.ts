// Change capture: what a stretch of ledger calls touched, recorded as it
// happens so it can be taken back (Ledger.beginCapture / endCapture /
// revert). Before a record is first changed its before-image is kept; what
// is created or removed is noted by id. The cost is what was touched, never
// the ledger's size, and the record (LedgerUndo, the LedgerUndo schema of
// spec/togai-mock-control.yaml) is plain JSON, so it can be kept in
// snapshots and logs and applied in another process to a ledger restored
// from a snapshot: it names records by id, never by memory position.

import type { components } from '../spec/control-types.gen.js';
import type { CreditTable } from './credit-table.js';
import {
  accountSnapshotOf,
  creditSnapshotOf,
  holdSnapshotOf,
  type AccountSnapshot,
  type CreditSnapshot,
  type HoldSnapshot,
} from './ledger-snapshot.js';
import type { AccountRecord, CreditRecord } from './records.js';

export type LedgerUndo = components['schemas']['LedgerUndo'];

/** One capture in progress. Captures nest; every open one records every change. */
export class Capture {
  private readonly undo: LedgerUndo;
  /** Credits and accounts with a before-image here, or created here. */
  private readonly seenCredits = new Set<string>();
  private readonly seenAccounts = new Set<string>();
  /** Those currently stored that this capture created. */
  private readonly madeCredits = new Set<string>();
  private readonly madeAccounts = new Set<string>();

  constructor(idState: number) {
    this.undo = {
      ids: { before: idState, after: idState },
      accountsCreated: [],
      accountsRemoved: [],
      creditsCreated: [],
      creditsRemoved: [],
      accounts: [],
      credits: [],
    };
  }

  /** Before account `a` (its fields or holds) changes. */
  account(a: AccountRecord): void {
    if (this.seenAccounts.has(a.id)) return;
    this.seenAccounts.add(a.id);
    this.undo.accounts.push({ account: accountSnapshotOf(a), holds: a.holds.map((h) => holdSnapshotOf(a, h)) });
  }

  /** Before credit `r` changes (its account may change with it). */
  credit(r: CreditRecord, credits: CreditTable): void {
    this.account(r.account);
    if (this.seenCredits.has(r.id)) return;
    this.seenCredits.add(r.id);
    this.undo.credits.push(creditSnapshotOf(r, credits));
  }

  /** After an account is created. One removed earlier in this capture counts as created again. */
  accountCreated(id: string): void {
    if (this.madeAccounts.has(id)) return;
    this.seenAccounts.add(id);
    this.madeAccounts.add(id);
    this.undo.accountsCreated.push(id);
  }

  /** After a credit is created. One removed earlier in this capture counts as created again. */
  creditCreated(id: string): void {
    if (this.madeCredits.has(id)) return;
    this.seenCredits.add(id);
    this.madeCredits.add(id);
    this.undo.creditsCreated.push(id);
  }

  /** When an account goes (its before-image taken, its credits gone already). */
  accountRemoved(id: string): void {
    if (this.madeAccounts.delete(id)) return;
    this.undo.accountsRemoved.push(id);
  }

  /** When a credit goes (its before-image taken), with the credit it came after. */
  creditRemoved(id: string, after: string | null): void {
    if (this.madeCredits.delete(id)) return;
    this.undo.creditsRemoved.push({ id, after });
  }

  finish(idState: number): LedgerUndo {
    this.undo.ids.after = idState;
    return this.undo;
  }
}

/** The ledger's primitive changes a revert is made of (each one recorded by open captures). */
export interface UndoTarget {
  account(id: string): AccountRecord | undefined;
  credit(id: string): CreditRecord | undefined;
  /** Gives an account the before-image's fields, making it again (last in order) if it is gone. */
  putAccount(a: AccountSnapshot): void;
  dropCredit(r: CreditRecord): void;
  /** Removes an account with all its credits. */
  dropAccount(a: AccountRecord): void;
  /** Stores a credit again right after `after` (null: first; undefined: last). */
  putCredit(c: CreditSnapshot, account: AccountRecord, after: CreditRecord | null | undefined): void;
  resetCredit(r: CreditRecord, c: CreditSnapshot): void;
  setHolds(a: AccountRecord, holds: HoldSnapshot[]): void;
}

/**
 * Takes back what `undo` recorded. Each step tolerates records that are gone
 * or already back (a later change or revert may have seen to them), so a
 * revert never fails half-way.
 */
export function revertChanges(undo: LedgerUndo, t: UndoTarget): void {
  // Credits it created go, newest first, and so does every credit on an account it created.
  for (let i = undo.creditsCreated.length - 1; i >= 0; i--) {
    const r = t.credit(undo.creditsCreated[i]!);
    if (r) t.dropCredit(r);
  }
  for (const id of undo.accountsCreated) {
    const a = t.account(id);
    if (a) for (let i = a.credits.length - 1; i >= 0; i--) t.dropCredit(a.credits[i]!);
  }
  // Accounts get their fields back (one it removed is made again) before their credits return.
  for (const { account } of undo.accounts) t.putAccount(account);
  // Credits it removed come back where they were: the last removed first, each after the one it followed.
  const before = new Map(undo.credits.map((c) => [c.id, c]));
  for (let i = undo.creditsRemoved.length - 1; i >= 0; i--) {
    const { id, after } = undo.creditsRemoved[i]!;
    const c = before.get(id);
    const account = c && t.account(c.request.accountId);
    if (!c || !account || t.credit(id)) continue;
    t.putCredit(c, account, after === null ? null : t.credit(after));
  }
  for (const c of undo.credits) {
    const r = t.credit(c.id);
    if (r) t.resetCredit(r, c);
  }
  // Holds: before-images for the credits put back, today's for every other credit.
  const restored = new Set(before.keys());
  const undone = new Set([...restored, ...undo.creditsCreated]);
  const exists = (id: string): boolean => t.credit(id) !== undefined;
  for (const { account, holds } of undo.accounts) {
    const a = t.account(account.id);
    if (!a) continue;
    const now = a.holds.map((h) => holdSnapshotOf(a, h));
    t.setHolds(a, revertedHolds(holds, now, restored, undone, exists));
  }
  // Accounts it created go last (one it had removed and made again stays: it existed before).
  const hadBefore = new Set(undo.accounts.map((x) => x.account.id));
  for (let i = undo.accountsCreated.length - 1; i >= 0; i--) {
    const id = undo.accountsCreated[i]!;
    const a = hadBefore.has(id) ? undefined : t.account(id);
    if (a) t.dropAccount(a);
  }
}

/**
 * An account's holds after a revert. Credits put back to their before-image
 * get their holds from before (`before`); every other credit keeps the holds
 * it has now (`now`), so each credit's holds still add up to its
 * holdAmount. Order is the before-image's, then holds made since.
 */
export function revertedHolds(
  before: readonly HoldSnapshot[],
  now: readonly HoldSnapshot[],
  restored: ReadonlySet<string>,
  undone: ReadonlySet<string>,
  exists: (creditId: string) => boolean,
): HoldSnapshot[] {
  const nowIds = new Set(now.map((h) => h.id));
  const beforeIds = new Set(before.map((h) => h.id));
  const kept = before.filter((h) => (restored.has(h.creditId) ? exists(h.creditId) : !undone.has(h.creditId) && nowIds.has(h.id)));
  const added = now.filter((h) => !undone.has(h.creditId) && !beforeIds.has(h.id) && exists(h.creditId));
  return [...kept, ...added];
}
