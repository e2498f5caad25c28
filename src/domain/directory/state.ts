// The directory's storage and the mechanics its rules stand on: customers
// and accounts by id and in creation order, the alias index, wallet entry
// positions, contact usernames, the id generator; the reads; snapshots; and
// all or nothing (atomically). The rules themselves are in directory.ts, as
// the ledger's are in ledger.ts over ledger-state.ts.
//
// All or nothing: atomically(fn) takes back whatever `fn` changed if it
// throws. Every change to a stored record goes through set()/push() or the
// add helpers here, which record the step that undoes it while a capture is
// open (nested captures hand their steps to the one around them).

import { IdGenerator } from '../ids.js';
import { invalid, notFound } from '../errors.js';
import type {
  AccountRecord,
  AccountStatus,
  AliasRecord,
  CustomerRecord,
  WalletEntryRecord,
  WalletRecord,
} from './records.js';
import { aliasEffectiveAt } from './shapes.js';
import { OrderedTable } from './table.js';

export interface DirectoryOptions {
  /** Seed of the id generator (uint32). */
  seed?: number;
  /** Invoice currency of accounts made without one. Default USD. */
  defaultCurrency?: string;
}

type Undo = () => void;

/** The directory's part of a tenant snapshot (times in epoch ms, alias window ends null when unbounded). */
export interface DirectorySnapshot {
  ids: number;
  customers: CustomerRecord[];
  accounts: AccountRecord[];
}

/** Where a provider state's setup started (counts in creation order, the id generator's state). */
export interface DirectoryMark {
  customers: number;
  accounts: number;
  ids: number;
}

/** What a provider state's teardown puts back (DirectoryUndo in the control spec). */
export interface DirectoryUndo {
  customers: number;
  accounts: number;
  /** Wallets of accounts older than the setup that it changed, as they were. */
  wallets: Array<{ accountId: string; wallet: WalletRecord }>;
  ids: { before: number; after: number };
}

export class DirectoryState {
  protected readonly customers = new OrderedTable<CustomerRecord>();
  protected readonly accounts = new OrderedTable<AccountRecord>();
  /** Every alias window ever given, by value, with its account. */
  protected readonly aliasIndex = new Map<string, Array<{ accountId: string; alias: AliasRecord }>>();
  /** Each wallet entry's position in its wallet's entries (entry ids are unique): cursor pages start there. */
  protected readonly entryPositions = new Map<string, number>();
  /** Contact usernames in use (a login name is unique). */
  protected readonly usernames = new Set<string>();
  protected readonly ids: IdGenerator;
  readonly defaultCurrency: string;
  /**
   * What the open atomically() calls would take back, oldest first: one list
   * for all of them (a call takes back from where it began), emptied when the
   * outermost one ends. Nothing is allocated for a call that changes nothing.
   */
  private readonly undoSteps: Undo[] = [];
  /** How many atomically() calls are open; 0: changes are not recorded. */
  private undoDepth = 0;

  constructor(options: DirectoryOptions = {}) {
    this.ids = new IdGenerator(options.seed ?? 0);
    this.defaultCurrency = options.defaultCurrency ?? 'USD';
  }

  get customerCount(): number {
    return this.customers.size;
  }

  get accountCount(): number {
    return this.accounts.size;
  }

  /** The id generator's state (uint32). */
  get idState(): number {
    return this.ids.state;
  }

  set idState(value: number) {
    this.ids.state = value;
  }

  // ------------------------------------------------------------ all or nothing

  /** Runs `change`; if it throws, every change it made here is taken back, newest first. */
  atomically<T>(change: () => T): T {
    const idsBefore = this.ids.state;
    const mark = this.undoSteps.length;
    this.undoDepth++;
    let result: T;
    try {
      result = change();
    } catch (err) {
      this.undoDepth--;
      const steps = this.undoSteps;
      try {
        // Undo steps change records directly: they record nothing.
        for (let i = steps.length - 1; i >= mark; i--) steps[i]!();
      } finally {
        steps.length = mark;
        this.ids.state = idsBefore;
      }
      throw err;
    }
    // A nested call's steps stay for the one around it; the outermost one's are done with.
    if (--this.undoDepth === 0) this.undoSteps.length = 0;
    return result;
  }

  protected record(undo: Undo): void {
    if (this.undoDepth > 0) this.undoSteps.push(undo);
  }

  /** Sets one field of a stored record (undefined: removes it). */
  protected set<O extends object, K extends keyof O>(obj: O, key: K, value: O[K]): void {
    const had = Object.hasOwn(obj, key);
    const before = obj[key];
    if (value === undefined) delete obj[key];
    else obj[key] = value;
    this.record(() => {
      if (had) obj[key] = before;
      else delete obj[key];
    });
  }

  protected push<T>(list: T[], item: T): void {
    list.push(item);
    this.record(() => {
      list.pop();
    });
  }

  protected indexAlias(accountId: string, alias: AliasRecord): void {
    let list = this.aliasIndex.get(alias.value);
    if (!list) {
      list = [];
      this.aliasIndex.set(alias.value, list);
      const made = list;
      this.record(() => {
        if (this.aliasIndex.get(alias.value) === made) this.aliasIndex.delete(alias.value);
      });
    }
    this.push(list, { accountId, alias });
  }

  protected claimUsername(name: string): void {
    this.usernames.add(name);
    this.record(() => this.usernames.delete(name));
  }

  protected addCustomerRecord(c: CustomerRecord): void {
    this.customers.add(c);
    this.record(() => this.customers.removeLast(c));
  }

  protected addAccountRecord(a: AccountRecord): void {
    this.accounts.add(a);
    this.record(() => this.accounts.removeLast(a));
  }

  // ------------------------------------------------------ provider states

  /** Where a provider state's setup starts: what teardown goes back to (DirectoryUndo in the control spec). */
  mark(): DirectoryMark {
    return { customers: this.customers.size, accounts: this.accounts.size, ids: this.ids.state };
  }

  /**
   * Takes the directory back to `undo` (a provider state's teardown): the
   * wallets it names get their images back, the accounts and customers made
   * since its mark are removed (not archived: a test's data leaves no trace,
   * so the same pact can run again), and the id generator goes back when
   * nothing moved it since. Answers the accounts removed, newest first, so
   * the ledger can drop its side of them. Tolerates a store reset since.
   * Every step is recorded: inside atomically() it is all or nothing.
   */
  rewind(undo: DirectoryUndo): string[] {
    for (const { accountId, wallet } of undo.wallets) {
      const a = this.accounts.get(accountId);
      if (!a) continue;
      const image = structuredClone(wallet);
      this.set(a, 'wallet', image);
      image.entries.forEach((e, i) => this.entryPositions.set(e.id, i));
    }
    const removed: string[] = [];
    const accounts = this.accounts.values();
    while (accounts.length > undo.accounts) {
      const a = accounts[accounts.length - 1]!;
      for (const alias of a.aliases) {
        const claims = this.aliasIndex.get(alias.value);
        if (!claims) continue;
        const kept = claims.filter((c) => c.accountId !== a.id);
        this.aliasIndex.set(alias.value, kept);
        this.record(() => this.aliasIndex.set(alias.value, claims));
      }
      const owner = this.customers.get(a.customerId);
      if (owner)
        this.set(
          owner,
          'accountIds',
          owner.accountIds.filter((id) => id !== a.id),
        );
      this.accounts.removeLast(a);
      this.record(() => this.accounts.add(a));
      removed.push(a.id);
    }
    const customers = this.customers.values();
    while (customers.length > undo.customers) {
      const c = customers[customers.length - 1]!;
      for (const contact of c.contacts) {
        this.usernames.delete(contact.username);
        this.record(() => this.usernames.add(contact.username));
      }
      this.customers.removeLast(c);
      this.record(() => this.customers.add(c));
    }
    if (this.ids.state === undo.ids.after) {
      const now = this.ids.state;
      this.ids.state = undo.ids.before;
      this.record(() => {
        this.ids.state = now;
      });
    }
    return removed;
  }

  // ------------------------------------------------------------------- reads

  customer(id: string): CustomerRecord | undefined {
    return this.customers.get(id);
  }

  account(id: string): AccountRecord | undefined {
    return this.accounts.get(id);
  }

  mustCustomer(id: string): CustomerRecord {
    const c = this.customers.get(id);
    if (!c) throw notFound(`Customer ${id} does not exist`);
    return c;
  }

  mustAccount(id: string): AccountRecord {
    const a = this.accounts.get(id);
    if (!a) throw notFound(`Account ${id} does not exist`);
    return a;
  }

  /** Every customer in creation order, archived ones included (the control API's view). */
  allCustomers(): readonly CustomerRecord[] {
    return this.customers.values();
  }

  /** Customers not archived, in creation order, after the one named `afterId`. */
  listCustomers(afterId: string | undefined, pageSize: number): { items: CustomerRecord[]; more: boolean } {
    if (afterId !== undefined && !this.customers.has(afterId)) {
      throw invalid('nextToken refers to a customer that does not exist (was the mock reset?)');
    }
    return this.customers.page(afterId, pageSize, (c) => c.status !== 'ARCHIVED');
  }

  /** Accounts not archived, in creation order, after the one named `afterId`. */
  listAccounts(afterId: string | undefined, pageSize: number): { items: AccountRecord[]; more: boolean } {
    if (afterId !== undefined && !this.accounts.has(afterId)) {
      throw invalid('nextToken refers to an account that does not exist (was the mock reset?)');
    }
    return this.accounts.page(afterId, pageSize, (a) => a.status !== 'ARCHIVED');
  }

  /** A wallet's entries in the order they were written, after the entry `afterId`. */
  walletEntries(
    accountId: string,
    afterId: string | undefined,
    pageSize: number,
  ): { items: WalletEntryRecord[]; more: boolean } {
    const entries = this.mustAccount(accountId).wallet.entries;
    let start = 0;
    if (afterId !== undefined) {
      const i = this.entryPositions.get(afterId);
      if (i === undefined || entries[i]?.id !== afterId) {
        throw invalid(`nextToken refers to no entry of the wallet of account ${accountId}`);
      }
      start = i + 1;
    }
    return { items: entries.slice(start, start + pageSize), more: entries.length > start + pageSize };
  }

  /**
   * The account an event names: by its id, or by an alias whose window
   * contains `at`. Undefined when neither names one.
   */
  resolveForEvent(idOrAlias: string, at: number): { accountId: string; status: AccountStatus } | undefined {
    const byId = this.accounts.get(idOrAlias);
    if (byId) return { accountId: byId.id, status: byId.status };
    const claims = this.aliasIndex.get(idOrAlias);
    if (!claims) return undefined;
    for (const { accountId, alias } of claims) {
      if (aliasEffectiveAt(alias, at)) {
        const a = this.accounts.get(accountId)!;
        return { accountId: a.id, status: a.status };
      }
    }
    return undefined;
  }

  // ---------------------------------------------------------------- snapshot

  /** Everything, as plain JSON (the control spec's DirectorySnapshot). */
  toJSON(): DirectorySnapshot {
    return {
      ids: this.ids.state,
      customers: this.customers.values().map((c) => structuredClone(c)),
      accounts: this.accounts.values().map((a) => structuredClone(a)),
    };
  }

  /** Loads a snapshot into this (empty) directory; throws on an inconsistent one. */
  restore(snap: DirectorySnapshot): void {
    if (this.customers.size > 0 || this.accounts.size > 0) throw new Error('Directory.restore: not empty');
    this.ids.state = snap.ids;
    for (const c of snap.customers) {
      if (this.customers.has(c.id)) throw invalid(`snapshot: customer ${c.id} appears twice`);
      const copy = structuredClone(c);
      this.customers.add(copy);
      for (const contact of copy.contacts) this.usernames.add(contact.username);
    }
    for (const a of snap.accounts) {
      if (this.accounts.has(a.id)) throw invalid(`snapshot: account ${a.id} appears twice`);
      const customer = this.customers.get(a.customerId);
      if (!customer || !customer.accountIds.includes(a.id)) {
        throw invalid(`snapshot: account ${a.id} names customer ${a.customerId}, which does not list it`);
      }
      const copy = structuredClone(a);
      this.accounts.add(copy);
      for (const alias of copy.aliases) this.indexAlias(copy.id, alias);
      copy.wallet.entries.forEach((e, i) => this.entryPositions.set(e.id, i));
    }
    for (const c of this.customers.values()) {
      for (const id of c.accountIds) {
        if (!this.accounts.has(id)) throw invalid(`snapshot: customer ${c.id} lists account ${id}, which is missing`);
      }
    }
  }
}
