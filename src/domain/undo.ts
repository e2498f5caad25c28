// Change capture: what a stretch of ledger calls touched, recorded as it
// happens so it can be taken back (Ledger.beginCapture / endCapture /
// revert). Before a record is first changed its before-image is kept; every
// account and credit created or removed is noted, in order, a removal with
// the record it came after in the listing. The cost is what was touched,
// never the ledger's size, and the record (LedgerUndo, the schema of the
// same name in spec/togai-mock-control.yaml) is plain JSON, so it can be kept
// in snapshots and logs and applied in another process to a ledger restored
// from a snapshot: it names records by id, never by memory position.
//
// A revert replays the creations and removals backwards (so each removed
// record goes back right after the one it followed, which is there again at
// that point), then puts every before-image back.

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

type Schemas = components['schemas'];
export type LedgerUndo = Schemas['LedgerUndo'];
type AccountImage = Schemas['AccountImage'];
type Change = Schemas['LedgerUndoChange'];

const imageOf = (a: AccountRecord): AccountImage => ({
  account: accountSnapshotOf(a),
  holds: a.holds.map((h) => holdSnapshotOf(a, h)),
});

/** One capture in progress. Captures nest; every open one records every change. */
export class Capture {
  private readonly undo: LedgerUndo;
  // Made on first use: most commands touch one account and one credit, and
  // a capture that sees nothing (a command refused before any change) costs
  // two small objects.
  /** Records with a before-image here (accounts with the record, for their updatedAt at the end). */
  private imagedCredits: Set<string> | undefined;
  private imagedAccounts: Map<string, AccountRecord> | undefined;
  /** Records created here since they were last removed: they need no before-image. */
  private madeCredits: Set<string> | undefined;
  private madeAccounts: Set<string> | undefined;

  constructor(idState: number) {
    this.undo = { ids: { before: idState, after: idState }, accounts: [], credits: [], changes: [] };
  }

  /** Before account `a` (its fields or holds) changes. */
  account(a: AccountRecord): void {
    if (this.imagedAccounts?.has(a.id) || this.madeAccounts?.has(a.id)) return;
    (this.imagedAccounts ??= new Map()).set(a.id, a);
    this.undo.accounts.push({ ...imageOf(a), updatedAtAfter: a.updatedAt });
  }

  /** Before credit `r` changes (its account may change with it). */
  credit(r: CreditRecord, credits: CreditTable): void {
    this.account(r.account);
    if (this.imagedCredits?.has(r.id) || this.madeCredits?.has(r.id)) return;
    (this.imagedCredits ??= new Set()).add(r.id);
    this.undo.credits.push(creditSnapshotOf(r, credits));
  }

  accountCreated(id: string): void {
    (this.madeAccounts ??= new Set()).add(id);
    this.undo.changes.push({ kind: 'createAccount', id });
  }

  creditCreated(id: string): void {
    (this.madeCredits ??= new Set()).add(id);
    this.undo.changes.push({ kind: 'createCredit', id });
  }

  /** When an account goes (its credits gone already), with the account it came after. */
  accountRemoved(a: AccountRecord, after: string | null): void {
    const change: Change = { kind: 'removeAccount', id: a.id, after };
    if (!this.imagedAccounts?.has(a.id)) change.account = imageOf(a);
    this.madeAccounts?.delete(a.id);
    this.undo.changes.push(change);
  }

  /** When a credit goes, with the credit it came after. */
  creditRemoved(r: CreditRecord, credits: CreditTable, after: string | null): void {
    const change: Change = { kind: 'removeCredit', id: r.id, after };
    if (!this.imagedCredits?.has(r.id)) change.credit = creditSnapshotOf(r, credits);
    this.madeCredits?.delete(r.id);
    this.undo.changes.push(change);
  }

  finish(idState: number): LedgerUndo {
    this.undo.ids.after = idState;
    for (const entry of this.undo.accounts)
      entry.updatedAtAfter = this.imagedAccounts!.get(entry.account.id)!.updatedAt;
    return this.undo;
  }
}

/** The ledger's primitive changes a revert is made of (each one recorded by open captures). */
export interface UndoTarget {
  account(id: string): AccountRecord | undefined;
  credit(id: string): CreditRecord | undefined;
  /** Stores an account again right after `after` (null: first; undefined: last). */
  putAccount(a: AccountSnapshot, after: AccountRecord | null | undefined): void;
  /** Gives a stored account the before-image's fields. */
  resetAccount(account: AccountRecord, a: AccountSnapshot): void;
  dropCredit(r: CreditRecord): void;
  /** Removes an account with all its credits. */
  dropAccount(a: AccountRecord): void;
  /** Stores a credit again right after `after` (null: first; undefined: last). */
  putCredit(c: CreditSnapshot, account: AccountRecord, after: CreditRecord | null | undefined): void;
  resetCredit(r: CreditRecord, c: CreditSnapshot): void;
  setHolds(a: AccountRecord, holds: HoldSnapshot[]): void;
}

/**
 * Takes back what `undo` recorded. Changes made since to other records stay
 * (a credit granted since on an account it created goes with the account).
 * Each step tolerates records that are gone or back already (a later change
 * or revert may have seen to them), so a revert never fails half-way.
 */
export function revertChanges(undo: LedgerUndo, t: UndoTarget): void {
  const creditBefore = new Map(undo.credits.map((c) => [c.id, c]));
  const accountBefore = new Map(undo.accounts.map((x) => [x.account.id, x.account]));
  for (let i = undo.changes.length - 1; i >= 0; i--) {
    const change = undo.changes[i]!;
    switch (change.kind) {
      case 'createCredit': {
        const r = t.credit(change.id);
        if (r) t.dropCredit(r);
        break;
      }
      case 'createAccount': {
        const a = t.account(change.id);
        if (a) t.dropAccount(a);
        break;
      }
      case 'removeCredit': {
        const c = change.credit ?? creditBefore.get(change.id);
        const account = c && t.account(c.request.accountId);
        if (!c || !account || t.credit(change.id)) break;
        t.putCredit(c, account, change.after === null || change.after === undefined ? null : t.credit(change.after));
        break;
      }
      case 'removeAccount': {
        const a = change.account?.account ?? accountBefore.get(change.id);
        if (!a || t.account(change.id)) break;
        t.putAccount(a, change.after === null || change.after === undefined ? null : t.account(change.after));
        break;
      }
    }
  }
  for (const { account, updatedAtAfter } of undo.accounts) {
    const a = t.account(account.id);
    // A change made since (to a credit the undo leaves alone) keeps its later updatedAt.
    if (a) t.resetAccount(a, a.updatedAt > updatedAtAfter ? { ...account, updatedAt: a.updatedAt } : account);
  }
  for (const c of undo.credits) {
    const r = t.credit(c.id);
    if (r) t.resetCredit(r, c);
  }
  // Holds: before-images for the credits put back, today's for every other credit.
  const restored = new Set(creditBefore.keys());
  const undone = new Set(restored);
  for (const change of undo.changes) if (change.kind === 'createCredit') undone.add(change.id);
  const exists = (id: string): boolean => t.credit(id) !== undefined;
  for (const { account, holds } of undo.accounts) {
    const a = t.account(account.id);
    if (!a) continue;
    const now = a.holds.map((h) => holdSnapshotOf(a, h));
    t.setHolds(a, revertedHolds(holds, now, restored, undone, exists));
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
  const kept = before.filter((h) =>
    restored.has(h.creditId) ? exists(h.creditId) : !undone.has(h.creditId) && nowIds.has(h.id),
  );
  const added = now.filter((h) => !undone.has(h.creditId) && !beforeIds.has(h.id) && exists(h.creditId));
  return [...kept, ...added];
}
