// How the control API shows the directory and the events to the dashboard:
// customers with their accounts, one account's profile (customer, every
// alias with its window, wallet and newest entries) and one account's
// events. Unlike the Togai API's lists these show archived records too, and
// aliases outside their window: the dashboard is for seeing everything the
// fake keeps. Views only read.

import type { Directory } from '../domain/directory/directory.js';
import type { AccountRecord, CustomerRecord, WalletEntryRecord } from '../domain/directory/records.js';
import { aliasEffectiveAt, toAlias } from '../domain/directory/shapes.js';
import type { StoredEvent } from '../domain/events/event-store.js';
import { statusDescription } from '../domain/events/shapes.js';
import { iso } from '../domain/api-shapes.js';
import type { components } from '../spec/control-types.gen.js';

type Schemas = components['schemas'];

export function customerView(directory: Directory, c: CustomerRecord): Schemas['MockCustomer'] {
  return {
    id: c.id,
    togaiCustomerId: c.togaiCustomerId,
    name: c.name,
    primaryEmail: c.primaryEmail,
    status: c.status,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
    contactCount: c.contacts.length,
    accounts: c.accountIds.flatMap((id) => {
      const a = directory.account(id);
      return a ? [{ id: a.id, name: a.name, status: a.status, invoiceCurrency: a.invoiceCurrency }] : [];
    }),
  };
}

function entryView(e: WalletEntryRecord): Schemas['AccountProfile']['walletEntries'][number] {
  return {
    id: e.id,
    transactionType: e.transactionType,
    status: e.status,
    amount: e.amount,
    closingBalance: e.closingBalance,
    createdAt: iso(e.createdAt),
    ...(e.entityId === undefined ? {} : { entityId: e.entityId }),
    ...(e.invoiceId === undefined ? {} : { invoiceId: e.invoiceId }),
  };
}

/** The account's profile as of `now`, with its `entries` newest wallet entries. */
export function accountProfileView(
  directory: Directory,
  a: AccountRecord,
  now: number,
  entries: number,
): Schemas['AccountProfile'] {
  const c = directory.mustCustomer(a.customerId);
  const w = a.wallet;
  return {
    customer: {
      id: c.id,
      togaiCustomerId: c.togaiCustomerId,
      name: c.name,
      primaryEmail: c.primaryEmail,
      status: c.status,
    },
    account: {
      id: a.id,
      togaiAccountId: a.togaiAccountId,
      name: a.name,
      status: a.status,
      invoiceCurrency: a.invoiceCurrency,
      ...(a.primaryEmail === undefined ? {} : { primaryEmail: a.primaryEmail }),
      createdAt: iso(a.createdAt),
      updatedAt: iso(a.updatedAt),
    },
    aliases: a.aliases.map((x) => {
      const { id, value, effectiveFrom, effectiveUntil } = toAlias(x);
      return { id, value, effectiveFrom, effectiveUntil, effectiveNow: aliasEffectiveAt(x, now) };
    }),
    wallet: {
      id: w.id,
      status: w.status,
      balance: w.balance,
      holdAmount: w.holdAmount,
      creditUnit: a.invoiceCurrency,
      effectiveFrom: iso(w.effectiveFrom),
      updatedAt: iso(w.updatedAt),
    },
    // Newest first: slice before reversing, so a long wallet costs only the entries shown.
    walletEntries: (entries === 0 ? [] : w.entries.slice(-entries)).reverse().map(entryView),
    walletEntryCount: w.entries.length,
  };
}

export function eventView(e: StoredEvent): Schemas['MockEvent'] {
  return {
    referenceId: e.referenceId,
    status: e.status,
    statusDescription: statusDescription(e.status),
    ingestedAt: iso(e.createdAt),
    event: e.payload,
  };
}
