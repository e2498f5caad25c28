// The directory of one tenant: Togai's customers (with their contacts), their
// accounts (with aliases over effective windows) and each account's wallet
// with its entries. The rules of the fake for all of them live here.
//
// Pure TypeScript: no HTTP, no I/O, no wall clock, no random source. Every
// change takes `now` (epoch ms); ids come from a seeded generator whose state
// is part of the directory's (toJSON().ids), so the same changes make the same
// ids in every process.
//
// Deleting archives (status ARCHIVED): an archived customer or account still
// answers by id, leaves the lists, keeps its id taken, and refuses changes.
// Deleting a customer archives its accounts. An archived account's alias
// windows end when it is archived, so the value may be claimed again.
//
// All or nothing: atomically(fn) takes back whatever `fn` changed if it
// throws. Every change to a stored record goes through set()/push()/add(),
// which record the step that undoes it while a capture is open.

import { createHash } from 'node:crypto';
import { IdGenerator } from '../ids.js';
import { MockError, invalid, notFound } from '../errors.js';
import { add, sub } from '../money.js';
import type {
  AccountInput,
  AccountPatch,
  AccountRecord,
  AccountStatus,
  AddAliasesInput,
  AliasRecord,
  AliasWindowInput,
  ContactInput,
  ContactRecord,
  CustomerInput,
  CustomerPatch,
  CustomerRecord,
  RemoveAliasesInput,
  WalletEntryRecord,
  WalletPatch,
} from './records.js';
import { aliasEffectiveAt } from './shapes.js';
import { OrderedTable } from './table.js';

export interface DirectoryOptions {
  /** Seed of the id generator (uint32). */
  seed?: number;
  /** Invoice currency of accounts made without one. Default USD. */
  defaultCurrency?: string;
}

/** How many aliases may be in effect for an account at one instant (the Account schema shows at most 10). */
export const MAX_OPEN_ALIASES = 10;

export interface WalletDebitInput {
  amount: number;
  hold?: boolean;
  invoiceId?: string;
  entityId?: string;
}

export interface WalletDebitResult {
  accountId: string;
  requested: number;
  /** What the wallet gave (debited, or put on hold): at most its balance. */
  amount: number;
  /** What the balance could not cover. */
  unmet: number;
  hold: boolean;
  /** The DEBITED entry written (its id is the hold's id for a hold); absent when nothing was drawn. */
  entryId?: string;
}

export interface WalletHoldSelector {
  holdId?: string;
  invoiceId?: string;
}

export interface WalletHoldOutcome {
  accountId: string;
  holds: Array<{ holdId: string; amount: number; entryId?: string }>;
  total: number;
}

type Undo = () => void;

/** A window's ends as instants (null: unbounded), checked. */
function windowOf(w: AliasWindowInput, at: string): { from: number | null; until: number | null } {
  const from = w.effectiveFrom === undefined ? null : Date.parse(w.effectiveFrom);
  const until = w.effectiveUntil === undefined ? null : Date.parse(w.effectiveUntil);
  if (from !== null && Number.isNaN(from)) throw invalid(`${at}.effectiveFrom must be a date-time`);
  if (until !== null && Number.isNaN(until)) throw invalid(`${at}.effectiveUntil must be a date-time`);
  if (from !== null && until !== null && until <= from) {
    throw invalid(`${at}.effectiveUntil (${w.effectiveUntil}) must be after effectiveFrom (${w.effectiveFrom})`);
  }
  return { from, until };
}

/** Whether two windows [from, until) share an instant (null ends unbounded). */
function overlaps(a: { from: number | null; until: number | null }, b: { from: number | null; until: number | null }) {
  const aBeforeBEnds = a.from === null || b.until === null || a.from < b.until;
  const bBeforeAEnds = b.from === null || a.until === null || b.from < a.until;
  const aEmpty = a.from !== null && a.until !== null && a.until <= a.from;
  const bEmpty = b.from !== null && b.until !== null && b.until <= b.from;
  return aBeforeBEnds && bBeforeAEnds && !aEmpty && !bEmpty;
}

/** The most windows [from, until) in effect at one instant (null ends unbounded; empty windows count for none). */
function mostAtOnce(windows: ReadonlyArray<{ from: number | null; until: number | null }>): number {
  const steps: Array<[number, number]> = [];
  for (const w of windows) {
    const from = w.from ?? -Infinity;
    const until = w.until ?? Infinity;
    if (until <= from) continue;
    steps.push([from, 1], [until, -1]);
  }
  // At one instant an end comes before a start: [a, b) and [b, c) never overlap.
  steps.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let running = 0;
  let most = 0;
  for (const [, d] of steps) {
    running += d;
    if (running > most) most = running;
  }
  return most;
}

const isOpenAt = (a: AliasRecord, now: number): boolean => a.until === null || a.until > now;

/**
 * What a contact's password is kept as: a salted SHA-256. Hashed before the
 * change is logged (the command carries this, never the password), with a
 * salt its caller draws.
 */
export function hashPassword(password: string, salt: string): string {
  const digest = createHash('sha256').update(salt).update('\u0000').update(password).digest('hex');
  return `sha256$${salt}$${digest}`;
}

export class Directory {
  private readonly customers = new OrderedTable<CustomerRecord>();
  private readonly accounts = new OrderedTable<AccountRecord>();
  /** Every alias window ever given, by value, with its account. */
  private readonly aliasIndex = new Map<string, Array<{ accountId: string; alias: AliasRecord }>>();
  /** Each wallet entry's position in its wallet's entries (entry ids are unique): cursor pages start there. */
  private readonly entryPositions = new Map<string, number>();
  /** Contact usernames in use (a login name is unique). */
  private readonly usernames = new Set<string>();
  private readonly ids: IdGenerator;
  readonly defaultCurrency: string;
  private readonly frames: Undo[][] = [];

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
    const frame: Undo[] = [];
    this.frames.push(frame);
    try {
      const result = change();
      this.frames.pop();
      // A nested capture's steps belong to the one around it too.
      this.frames[this.frames.length - 1]?.push(...frame);
      return result;
    } catch (err) {
      this.frames.pop();
      for (let i = frame.length - 1; i >= 0; i--) frame[i]!();
      this.ids.state = idsBefore;
      throw err;
    }
  }

  private record(undo: Undo): void {
    this.frames[this.frames.length - 1]?.push(undo);
  }

  /** Sets one field of a stored record (undefined: removes it). */
  private set<O extends object, K extends keyof O>(obj: O, key: K, value: O[K]): void {
    const had = Object.hasOwn(obj, key);
    const before = obj[key];
    if (value === undefined) delete obj[key];
    else obj[key] = value;
    this.record(() => {
      if (had) obj[key] = before;
      else delete obj[key];
    });
  }

  private push<T>(list: T[], item: T): void {
    list.push(item);
    this.record(() => {
      list.pop();
    });
  }

  private indexAlias(accountId: string, alias: AliasRecord): void {
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

  private claimUsername(name: string): void {
    this.usernames.add(name);
    this.record(() => this.usernames.delete(name));
  }

  private addCustomerRecord(c: CustomerRecord): void {
    this.customers.add(c);
    this.record(() => this.customers.removeLast(c));
  }

  private addAccountRecord(a: AccountRecord): void {
    this.accounts.add(a);
    this.record(() => this.accounts.removeLast(a));
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

  // --------------------------------------------------------------- customers

  createCustomer(input: CustomerInput, now: number): { customer: CustomerRecord; account?: AccountRecord } {
    if (this.customers.has(input.id)) throw new MockError('conflict', `Customer ${input.id} already exists`);
    const customer: CustomerRecord = {
      id: input.id,
      togaiCustomerId: this.ids.prefixed('customer'),
      name: input.name,
      primaryEmail: input.primaryEmail,
      address: { ...input.address },
      status: 'ACTIVE',
      createdAt: now,
      updatedAt: now,
      accountIds: [],
      contacts: [],
    };
    if (input.settings !== undefined) customer.settings = input.settings.map((s) => ({ ...s }));
    this.addCustomerRecord(customer);
    if (input.account === undefined) return { customer };
    const account = this.createAccount(customer.id, input.account, now, 'account.');
    return { customer, account };
  }

  updateCustomer(id: string, patch: CustomerPatch, now: number): CustomerRecord {
    const c = this.mustCustomer(id);
    if (c.status === 'ARCHIVED') throw invalid(`Customer ${id} is ARCHIVED (deleted) and cannot be changed`);
    if (patch.name !== undefined) this.set(c, 'name', patch.name);
    if (patch.primaryEmail !== undefined) this.set(c, 'primaryEmail', patch.primaryEmail);
    if (patch.address !== undefined) this.set(c, 'address', { ...patch.address });
    this.set(c, 'updatedAt', now);
    return c;
  }

  /** Archives the customer and every account of it still open. */
  deleteCustomer(id: string, now: number): CustomerRecord {
    const c = this.mustCustomer(id);
    if (c.status === 'ARCHIVED') throw notFound(`Customer ${id} does not exist (it was deleted)`);
    for (const accountId of c.accountIds) {
      const a = this.accounts.get(accountId)!;
      if (a.status !== 'ARCHIVED') this.archiveAccount(a, now);
    }
    this.set(c, 'status', 'ARCHIVED');
    this.set(c, 'updatedAt', now);
    return c;
  }

  createContact(customerId: string, input: ContactInput, now: number): ContactRecord {
    const c = this.mustCustomer(customerId);
    if (c.status === 'ARCHIVED') throw invalid(`Customer ${customerId} is ARCHIVED (deleted): it takes no contacts`);
    let username = input.preferredUsername;
    if (username !== undefined) {
      if (this.usernames.has(username)) {
        throw new MockError('conflict', `preferredUsername: the username ${username} is taken`);
      }
    } else {
      do username = this.ids.prefixed('user');
      while (this.usernames.has(username));
    }
    const contact: ContactRecord = {
      username,
      name: input.name,
      email: input.email,
      loginAccess: input.loginAccess ?? false,
      verified: input.verified ?? false,
      createdAt: now,
    };
    if (input.preferredUsername !== undefined) contact.preferredUsername = input.preferredUsername;
    if (input.phone !== undefined) contact.phone = input.phone;
    if (input.passwordHash !== undefined) contact.passwordHash = input.passwordHash;
    this.claimUsername(username);
    this.push(c.contacts, contact);
    this.set(c, 'updatedAt', now);
    return contact;
  }

  // ---------------------------------------------------------------- accounts

  /**
   * A new account of an existing, not archived customer, with its wallet.
   * `at` prefixes field names in messages (`account.` inside a customer).
   */
  createAccount(customerId: string, input: AccountInput, now: number, at = ''): AccountRecord {
    const customer = this.customers.get(customerId);
    if (!customer) throw notFound(`${at}customerId: customer ${customerId} does not exist`);
    if (customer.status === 'ARCHIVED') {
      throw invalid(`${at}customerId: customer ${customerId} is ARCHIVED (deleted) and takes no new accounts`);
    }
    if (this.accounts.has(input.id)) throw new MockError('conflict', `Account ${input.id} already exists`);
    const account: AccountRecord = {
      id: input.id,
      togaiAccountId: this.ids.prefixed('account'),
      customerId,
      name: input.name,
      invoiceCurrency: input.invoiceCurrency ?? this.defaultCurrency,
      status: input.status ?? 'ACTIVE',
      createdAt: now,
      updatedAt: now,
      aliases: [],
      wallet: {
        id: this.ids.prefixed('wallet'),
        status: 'ACTIVE',
        balance: 0,
        holdAmount: 0,
        effectiveFrom: now,
        createdAt: now,
        updatedAt: now,
        entries: [],
      },
    };
    if (input.primaryEmail !== undefined) account.primaryEmail = input.primaryEmail;
    if (input.address !== undefined) account.address = { ...input.address };
    if (input.billingInformation !== undefined) account.billingInformation = structuredClone(input.billingInformation);
    if (input.settings !== undefined) account.settings = input.settings.map((s) => ({ ...s }));
    if (input.netTermDays !== undefined) account.netTermDays = input.netTermDays;
    if (input.metadata !== undefined) account.metadata = { ...input.metadata };
    this.addAccountRecord(account);
    this.push(customer.accountIds, account.id);
    this.addAliasWindows(account, { aliases: input.aliases, accountAliases: input.accountAliases }, now, at);
    return account;
  }

  /**
   * An account made on first use (a grant or top-up naming an unknown
   * account, or a ledger account made by the control API, seed, fixtures
   * or a provider state): ACTIVE, of the customer `customerId` (made too,
   * with a placeholder name and email, when there is none).
   */
  adoptAccount(accountId: string, customerId: string, currency: string, now: number): AccountRecord {
    if (!this.customers.has(customerId)) {
      this.createCustomer(
        { id: customerId, name: `Customer ${customerId}`, primaryEmail: `${customerId}@example.com`, address: {} },
        now,
      );
    }
    const customer = this.customers.get(customerId)!;
    if (customer.status === 'ARCHIVED') {
      throw invalid(`customer ${customerId} of account ${accountId} is ARCHIVED (deleted) and takes no new accounts`);
    }
    return this.createAccount(
      customerId,
      { id: accountId, name: `Account ${accountId}`, invoiceCurrency: currency },
      now,
    );
  }

  /**
   * `hasActivity` says whether anything is already counted in the account's
   * currency (credits): then the currency cannot change.
   */
  updateAccount(id: string, patch: AccountPatch, now: number, hasActivity: boolean): AccountRecord {
    const a = this.mustAccount(id);
    if (a.status === 'ARCHIVED') throw invalid(`Account ${id} is ARCHIVED (deleted) and cannot be changed`);
    if (patch.invoiceCurrency !== undefined && patch.invoiceCurrency !== a.invoiceCurrency) {
      if (hasActivity || a.wallet.entries.length > 0) {
        throw invalid(
          `invoiceCurrency: account ${id} already holds credits or wallet entries in ${a.invoiceCurrency}; its currency cannot change`,
        );
      }
      this.set(a, 'invoiceCurrency', patch.invoiceCurrency);
    }
    if (patch.name !== undefined) this.set(a, 'name', patch.name);
    if (patch.status !== undefined) this.set(a, 'status', patch.status);
    if (patch.netTermDays !== undefined) this.set(a, 'netTermDays', patch.netTermDays);
    if (patch.primaryEmail !== undefined) this.set(a, 'primaryEmail', patch.primaryEmail);
    if (patch.billingInformation !== undefined)
      this.set(a, 'billingInformation', structuredClone(patch.billingInformation));
    if (patch.address !== undefined) this.set(a, 'address', { ...patch.address });
    if (patch.metadata !== undefined) this.set(a, 'metadata', { ...patch.metadata });
    this.set(a, 'updatedAt', now);
    return a;
  }

  deleteAccount(id: string, now: number): AccountRecord {
    const a = this.mustAccount(id);
    if (a.status === 'ARCHIVED') throw notFound(`Account ${id} does not exist (it was deleted)`);
    this.archiveAccount(a, now);
    return a;
  }

  /** ARCHIVED, with every alias window still open at `now` ended then (the values are free again). */
  private archiveAccount(a: AccountRecord, now: number): void {
    for (const alias of a.aliases) {
      if (!isOpenAt(alias, now)) continue;
      this.set(alias, 'until', alias.from !== null && alias.from > now ? alias.from : now);
      this.set(alias, 'updatedAt', now);
    }
    this.set(a, 'status', 'ARCHIVED');
    this.set(a, 'updatedAt', now);
  }

  /** Refuses changes that only an account not archived takes (`what`: "credits", "wallet top-ups"). */
  mustBeOpen(id: string, what: string, at = ''): AccountRecord {
    const a = this.mustAccount(id);
    if (a.status === 'ARCHIVED') throw invalid(`${at}account ${id} is ARCHIVED (deleted) and takes no ${what}`);
    return a;
  }

  // ----------------------------------------------------------------- aliases

  addAliases(id: string, input: AddAliasesInput, now: number): AccountRecord {
    const a = this.mustAccount(id);
    if (a.status === 'ARCHIVED') throw invalid(`Account ${id} is ARCHIVED (deleted) and takes no aliases`);
    if ((input.aliases?.length ?? 0) + (input.accountAliases?.length ?? 0) === 0) {
      throw invalid('aliases or accountAliases must name at least one alias');
    }
    this.addAliasWindows(a, input, now, '');
    this.set(a, 'updatedAt', now);
    return a;
  }

  private addAliasWindows(a: AccountRecord, input: AddAliasesInput, now: number, at: string): void {
    const wanted: Array<{ value: string; from: number | null; until: number | null; path: string }> = [];
    (input.aliases ?? []).forEach((value, i) =>
      wanted.push({ value, from: null, until: null, path: `${at}aliases[${i}]` }),
    );
    (input.accountAliases ?? []).forEach((w, i) => {
      const path = `${at}accountAliases[${i}]`;
      if (w.value.length < 3)
        throw invalid(`${path}.value must have at least 3 characters (an alias is shown as such)`);
      wanted.push({ value: w.value, ...windowOf(w, path), path });
    });
    for (const [i, w] of wanted.entries()) {
      for (const claim of this.aliasIndex.get(w.value) ?? []) {
        if (overlaps(claim.alias, w)) {
          throw invalid(
            `${w.path}: alias ${w.value} is already claimed by account ${claim.accountId} for an overlapping window`,
          );
        }
      }
      for (const other of wanted.slice(0, i)) {
        if (other.value === w.value && overlaps(other, w)) {
          throw invalid(`${w.path}: alias ${w.value} is given twice for overlapping windows`);
        }
      }
    }
    const most = mostAtOnce([...a.aliases, ...wanted]);
    if (most > MAX_OPEN_ALIASES) {
      throw invalid(
        `${at}aliases: an account has at most ${MAX_OPEN_ALIASES} aliases in effect at any instant (this would make ${most})`,
      );
    }
    for (const w of wanted) {
      const alias: AliasRecord = {
        id: this.ids.uuid(),
        value: w.value,
        from: w.from,
        until: w.until,
        createdAt: now,
        updatedAt: now,
      };
      this.push(a.aliases, alias);
      this.indexAlias(a.id, alias);
    }
  }

  /**
   * Ends alias windows at `from` (default `now`): a soft end, the alias stays
   * listed with its window. `aliases` names values (every window of the value
   * on this account still open then), `accountAliases` alias ids.
   */
  removeAliases(id: string, input: RemoveAliasesInput, now: number): AccountRecord {
    const a = this.mustAccount(id);
    if (a.status === 'ARCHIVED') throw invalid(`Account ${id} is ARCHIVED (deleted)`);
    if ((input.aliases?.length ?? 0) + (input.accountAliases?.length ?? 0) === 0) {
      throw invalid('aliases or accountAliases must name at least one alias');
    }
    const ends: Array<{ alias: AliasRecord; at: number }> = [];
    (input.aliases ?? []).forEach((value, i) => {
      const open = a.aliases.filter((x) => x.value === value && isOpenAt(x, now));
      if (open.length === 0) throw invalid(`aliases[${i}]: account ${id} has no open alias ${value}`);
      for (const alias of open) ends.push({ alias, at: now });
    });
    (input.accountAliases ?? []).forEach((r, i) => {
      const alias = a.aliases.find((x) => x.id === r.id);
      if (!alias) throw invalid(`accountAliases[${i}].id: account ${id} has no alias ${r.id}`);
      let at = now;
      if (r.from !== undefined) {
        at = Date.parse(r.from);
        if (Number.isNaN(at)) throw invalid(`accountAliases[${i}].from must be a date-time`);
      }
      ends.push({ alias, at });
    });
    for (const { alias, at } of ends) {
      // Never reopens a window, never ends one before it starts.
      const until = alias.from !== null && at < alias.from ? alias.from : at;
      if (alias.until !== null && alias.until <= until) continue;
      this.set(alias, 'until', until);
      this.set(alias, 'updatedAt', now);
    }
    this.set(a, 'updatedAt', now);
    return a;
  }

  // ------------------------------------------------------------------ wallet

  topUp(id: string, amount: number, now: number): AccountRecord {
    const a = this.mustBeOpen(id, 'wallet top-ups');
    if (!(amount > 0)) throw invalid(`topupAmount must be greater than 0 (was ${amount})`);
    if (a.wallet.status !== 'ACTIVE') throw invalid(`The wallet of account ${id} is INACTIVE: it takes no top-ups`);
    const balance = add(a.wallet.balance, amount);
    if (!Number.isFinite(balance))
      throw invalid(`topupAmount: the balance of account ${id} would not be a finite number`);
    this.entry(a, { transactionType: 'CREDITED', status: 'COMPLETED', amount }, balance, now);
    return a;
  }

  updateWallet(id: string, patch: WalletPatch, now: number): AccountRecord {
    const a = this.mustBeOpen(id, 'wallet changes');
    const w = a.wallet;
    if (patch.effectiveFrom !== undefined) {
      const at = Date.parse(patch.effectiveFrom);
      if (Number.isNaN(at)) throw invalid('effectiveFrom must be a date-time');
      this.set(w, 'effectiveFrom', at);
    }
    if (patch.status !== undefined) this.set(w, 'status', patch.status);
    this.set(w, 'updatedAt', now);
    return a;
  }

  /**
   * Debits the wallet by up to `amount` (what the balance covers), or puts
   * it on hold: where Togai's invoices would draw on it. A DRAFT account
   * (not invoiced in Togai) or an archived one is refused.
   */
  walletDebit(id: string, input: WalletDebitInput, now: number): WalletDebitResult {
    const a = this.mustAccount(id);
    if (a.status !== 'ACTIVE')
      throw invalid(`Account ${id} is ${a.status}: only an ACTIVE account's wallet is drawn on`);
    if (!(input.amount > 0) || !Number.isFinite(input.amount)) throw invalid('amount must be greater than 0');
    const w = a.wallet;
    if (w.status !== 'ACTIVE') throw invalid(`The wallet of account ${id} is INACTIVE`);
    const take = Math.min(w.balance, input.amount);
    const hold = input.hold ?? false;
    const result: WalletDebitResult = {
      accountId: id,
      requested: input.amount,
      amount: Math.max(take, 0),
      unmet: sub(input.amount, Math.max(take, 0)),
      hold,
    };
    if (take <= 0) return result;
    const entry = this.entry(
      a,
      { transactionType: 'DEBITED', status: hold ? 'ON_HOLD' : 'COMPLETED', amount: take, ...refOf(input) },
      sub(w.balance, take),
      now,
    );
    if (hold) this.set(w, 'holdAmount', add(w.holdAmount, take));
    result.entryId = entry.id;
    return result;
  }

  /** Turns held amounts into debits: their entries become COMPLETED. */
  settleWalletHolds(id: string, selector: WalletHoldSelector, now: number): WalletHoldOutcome {
    return this.closeHolds(id, selector, now, true);
  }

  /** Gives held amounts back: their entries become COMPLETED and a CREDITED entry returns each. */
  releaseWalletHolds(id: string, selector: WalletHoldSelector, now: number): WalletHoldOutcome {
    return this.closeHolds(id, selector, now, false);
  }

  private closeHolds(id: string, selector: WalletHoldSelector, now: number, settle: boolean): WalletHoldOutcome {
    const a = this.mustAccount(id);
    const w = a.wallet;
    const chosen = w.entries.filter(
      (e) =>
        e.status === 'ON_HOLD' &&
        (selector.holdId === undefined || e.id === selector.holdId) &&
        (selector.invoiceId === undefined || e.invoiceId === selector.invoiceId),
    );
    if (selector.holdId !== undefined && chosen.length === 0) {
      throw notFound(`Hold ${selector.holdId} does not exist on the wallet of account ${id}`);
    }
    const outcome: WalletHoldOutcome = { accountId: id, holds: [], total: 0 };
    for (const e of chosen) {
      this.set(e, 'status', 'COMPLETED');
      this.set(w, 'holdAmount', sub(w.holdAmount, e.amount));
      const item: WalletHoldOutcome['holds'][number] = { holdId: e.id, amount: e.amount };
      if (!settle) {
        const back = this.entry(
          a,
          { transactionType: 'CREDITED', status: 'COMPLETED', amount: e.amount, ...refOf(e) },
          add(w.balance, e.amount),
          now,
        );
        item.entryId = back.id;
      }
      outcome.holds.push(item);
      outcome.total = add(outcome.total, e.amount);
    }
    if (chosen.length > 0) this.set(w, 'updatedAt', now);
    return outcome;
  }

  /** Writes one entry and moves the balance to its closing balance: the only way a balance moves. */
  private entry(
    a: AccountRecord,
    e: Omit<WalletEntryRecord, 'id' | 'createdAt' | 'closingBalance'>,
    closingBalance: number,
    now: number,
  ): WalletEntryRecord {
    const w = a.wallet;
    const entry: WalletEntryRecord = { id: this.ids.prefixed('wtxn'), ...e, createdAt: now, closingBalance };
    this.push(w.entries, entry);
    this.entryPositions.set(entry.id, w.entries.length - 1);
    this.record(() => this.entryPositions.delete(entry.id));
    this.set(w, 'balance', closingBalance);
    this.set(w, 'updatedAt', now);
    return entry;
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

/** The directory's part of a tenant snapshot (times in epoch ms, alias window ends null when unbounded). */
export interface DirectorySnapshot {
  ids: number;
  customers: CustomerRecord[];
  accounts: AccountRecord[];
}

function refOf(x: { invoiceId?: string | undefined; entityId?: string | undefined }) {
  const out: { invoiceId?: string; entityId?: string } = {};
  if (x.invoiceId !== undefined) out.invoiceId = x.invoiceId;
  if (x.entityId !== undefined) out.entityId = x.entityId;
  return out;
}
