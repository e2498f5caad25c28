// The accounts of one ledger, by id and in creation order (the order the
// control API lists them and the snapshot keeps them). Like the credit table,
// a removed account leaves an empty slot (trailing ones are dropped), so the
// account before it is cheap to find, and one put back by an undo takes the
// free slot after the account it followed, moving later ones up one when the
// table was rebuilt from a snapshot in between and none is free.

import type { AccountRecord } from './records.js';

export class AccountTable {
  private readonly byId = new Map<string, AccountRecord>();
  private readonly slots: Array<AccountRecord | undefined> = [];
  private readonly slotOf = new Map<string, number>();

  get size(): number {
    return this.byId.size;
  }

  get(id: string): AccountRecord | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** Every account in order. */
  values(): AccountRecord[] {
    const out: AccountRecord[] = [];
    for (const a of this.slots) if (a !== undefined) out.push(a);
    return out;
  }

  /** Stores an account last in order, or right after `after` (null: first) when given. */
  add(account: AccountRecord, after?: AccountRecord | null): void {
    let slot = this.slots.length;
    if (after !== undefined) {
      slot = after === null ? 0 : this.slotOf.get(after.id)! + 1;
      if (this.slots[slot] !== undefined) {
        let free = slot + 1;
        while (free < this.slots.length && this.slots[free] !== undefined) free++;
        for (let s = free; s > slot; s--) {
          const moved = this.slots[s - 1]!;
          this.slots[s] = moved;
          this.slotOf.set(moved.id, s);
        }
      }
    }
    this.slots[slot] = account;
    this.slotOf.set(account.id, slot);
    this.byId.set(account.id, account);
  }

  remove(account: AccountRecord): void {
    const slot = this.slotOf.get(account.id);
    if (slot === undefined || this.byId.get(account.id) !== account) return;
    this.slots[slot] = undefined;
    while (this.slots.length > 0 && this.slots[this.slots.length - 1] === undefined) this.slots.length--;
    this.slotOf.delete(account.id);
    this.byId.delete(account.id);
  }

  /** The stored account just before `account` in order, if any. */
  previous(account: AccountRecord): AccountRecord | undefined {
    for (let s = (this.slotOf.get(account.id) ?? 0) - 1; s >= 0; s--) {
      const p = this.slots[s];
      if (p !== undefined) return p;
    }
    return undefined;
  }

  clear(): void {
    this.byId.clear();
    this.slots.length = 0;
    this.slotOf.clear();
  }
}
