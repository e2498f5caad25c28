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
// throws; every change here goes through the recording helpers of
// DirectoryState (state.ts), which also holds the storage and the reads.

import { createHash } from 'node:crypto';
import { MockError, invalid, notFound } from '../errors.js';
import { add, sub } from '../money.js';
import type {
  AccountInput,
  AccountPatch,
  AccountRecord,
  AddAliasesInput,
  AliasRecord,
  ContactInput,
  ContactRecord,
  CustomerInput,
  CustomerPatch,
  CustomerRecord,
  RemoveAliasesInput,
  WalletEntryRecord,
  WalletPatch,
} from './records.js';
import { DirectoryState } from './state.js';
import { MAX_OPEN_ALIASES, isOpenAt, mostAtOnce, overlaps, windowOf } from './windows.js';

export type { DirectoryMark, DirectoryOptions, DirectorySnapshot, DirectoryUndo } from './state.js';
export { MAX_OPEN_ALIASES } from './windows.js';

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

/**
 * What a contact's password is kept as: a salted SHA-256. Hashed before the
 * change is logged (the command carries this, never the password), with a
 * salt its caller draws.
 */
export function hashPassword(password: string, salt: string): string {
  const digest = createHash('sha256').update(salt).update('\u0000').update(password).digest('hex');
  return `sha256$${salt}$${digest}`;
}

export class Directory extends DirectoryState {
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
}

function refOf(x: { invoiceId?: string | undefined; entityId?: string | undefined }) {
  const out: { invoiceId?: string; entityId?: string } = {};
  if (x.invoiceId !== undefined) out.invoiceId = x.invoiceId;
  if (x.entityId !== undefined) out.entityId = x.entityId;
  return out;
}
