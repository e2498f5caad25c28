// Stored directory records in the Accounts spec's shapes (Customer, Account,
// AccountAlias, WalletBalanceResponse, WalletEntry, the contact response).
// Optional fields appear only when they hold something; the password hash
// never leaves the directory.

import type {
  Account,
  AccountAlias,
  CreateCustomerContactResponse,
  CreateCustomerResponse,
  Customer,
  WalletBalanceResponse,
  WalletEntry,
} from '../../spec/accounts-types.js';
import { iso } from '../api-shapes.js';
import type {
  AccountRecord,
  Address,
  AliasRecord,
  ContactRecord,
  CustomerRecord,
  WalletEntryRecord,
  WalletRecord,
} from './records.js';

/**
 * How an unbounded alias window is written: the spec requires both ends as
 * date-times, so "since always" and "for ever" are the earliest and latest
 * instants a four-digit year can spell.
 */
export const UNBOUNDED_FROM = '0001-01-01T00:00:00.000Z';
export const UNBOUNDED_UNTIL = '9999-12-31T23:59:59.999Z';

const BILLING_ADDRESS_MAX = 1000;

/**
 * The customer's billingAddress, which Togai answers as one line (and its
 * clients require): the address's parts joined by ", ", cut to the spec's
 * 1,000 characters.
 */
export function billingAddressOf(a: Address): string {
  const parts = [a.line1, a.line2, a.city, a.state, a.postalCode, a.country].filter(
    (p): p is string => p !== undefined && p !== '',
  );
  return parts.join(', ').slice(0, BILLING_ADDRESS_MAX);
}

export function toCustomer(c: CustomerRecord): Customer {
  return {
    id: c.id,
    togaiCustomerId: c.togaiCustomerId,
    name: c.name,
    primaryEmail: c.primaryEmail,
    billingAddress: billingAddressOf(c.address),
    address: { ...c.address },
    status: c.status,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
  };
}

/** POST /customers' answer: the customer's fields (no status or times, per its schema) and the account made with it. */
export function toCreateCustomerResponse(c: CustomerRecord, account: Account | undefined): CreateCustomerResponse {
  const out: CreateCustomerResponse = {
    id: c.id,
    togaiCustomerId: c.togaiCustomerId,
    name: c.name,
    primaryEmail: c.primaryEmail,
    billingAddress: billingAddressOf(c.address),
    address: { ...c.address },
  };
  if (c.settings !== undefined) out.settings = c.settings.map((s) => ({ ...s }));
  if (account !== undefined) out.account = account;
  return out;
}

export function toContact(c: ContactRecord): CreateCustomerContactResponse {
  const out: CreateCustomerContactResponse = {
    username: c.username,
    ...(c.preferredUsername === undefined ? {} : { preferredUsername: c.preferredUsername }),
    name: c.name,
    email: c.email,
    ...(c.phone === undefined ? {} : { phone: c.phone }),
    loginAccess: c.loginAccess,
    createdAt: iso(c.createdAt),
    verified: c.verified,
  };
  return out;
}

/** Whether `at` falls in the alias's window [from, until). */
export const aliasEffectiveAt = (a: AliasRecord, at: number): boolean =>
  (a.from === null || a.from <= at) && (a.until === null || at < a.until);

export interface AccountView {
  /** Aliases shown are those effective at this instant. */
  effectiveOn: number;
  /** The customer's togaiCustomerId. */
  togaiCustomerId: string;
  includeGroupDetails?: boolean;
}

export function toAccount(a: AccountRecord, view: AccountView): Account {
  const out: Account = {
    id: a.id,
    togaiAccountId: a.togaiAccountId,
    togaiCustomerId: view.togaiCustomerId,
    name: a.name,
    customerId: a.customerId,
    invoiceCurrency: a.invoiceCurrency,
    aliases: a.aliases.filter((x) => aliasEffectiveAt(x, view.effectiveOn)).map((x) => ({ alias: x.value })),
    status: a.status,
  };
  if (a.netTermDays !== undefined) out.netTermDays = a.netTermDays;
  if (a.address !== undefined) out.address = { ...a.address };
  if (a.primaryEmail !== undefined) out.primaryEmail = a.primaryEmail;
  if (a.billingInformation !== undefined) out.billingInformation = structuredClone(a.billingInformation);
  if (a.settings !== undefined) out.settings = a.settings.map((s) => ({ ...s }));
  // The fake keeps no invoice groups: every account is alone in one of its own when asked.
  if (view.includeGroupDetails === true) {
    out.invoiceGroupDetails = {
      id: a.togaiAccountId,
      name: a.name,
      email: a.primaryEmail ?? '',
      dailyInvoiceConsolidation: false,
      ...(a.netTermDays === undefined ? {} : { netTermDays: a.netTermDays }),
      invoiceCurrency: a.invoiceCurrency,
      billingAddress: { ...(a.address ?? {}) },
    };
  }
  if (a.metadata !== undefined) out.metadata = { ...a.metadata };
  return out;
}

export function toAlias(a: AliasRecord): AccountAlias {
  return {
    id: a.id,
    value: a.value,
    effectiveFrom: a.from === null ? UNBOUNDED_FROM : iso(a.from),
    effectiveUntil: a.until === null ? UNBOUNDED_UNTIL : iso(a.until),
    createdAt: iso(a.createdAt),
    updatedAt: iso(a.updatedAt),
  };
}

export function toWallet(a: AccountRecord): WalletBalanceResponse {
  const w: WalletRecord = a.wallet;
  return {
    id: w.id,
    accountId: a.id,
    customerId: a.customerId,
    balance: w.balance,
    creditUnit: a.invoiceCurrency,
    status: w.status,
    holdAmount: w.holdAmount,
    effectiveFrom: iso(w.effectiveFrom),
    createdAt: iso(w.createdAt),
    updatedAt: iso(w.updatedAt),
  };
}

export function toWalletEntry(walletId: string, e: WalletEntryRecord): WalletEntry {
  return {
    id: e.id,
    walletId,
    transactionType: e.transactionType,
    status: e.status,
    ...(e.entityId === undefined ? {} : { entityId: e.entityId }),
    amount: e.amount,
    createdAt: iso(e.createdAt),
    closingBalance: e.closingBalance,
  };
}
