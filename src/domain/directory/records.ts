// What the directory stores: customers with their contacts, accounts with
// their aliases and wallet, and the wallet's entries. Times are epoch ms;
// an alias window's open ends are null (minus / plus infinity). Records are
// mutable in place, always through Directory (which records how to take
// every change back, see directory.ts).

import type * as Spec from '../../spec/accounts-types.js';

// Shapes of the Togai API's requests, as the spec defines them: the
// directory stores what they carry.
export type Address = Spec.Address;
export type EntitySetting = Spec.CreateEntitySetting;
export type BillingInformation = Spec.AccountsBillingInformation;

export interface ContactRecord {
  username: string;
  preferredUsername?: string;
  name: string;
  email: string;
  phone?: string;
  loginAccess: boolean;
  verified: boolean;
  createdAt: number;
  /** `sha256$<salt>$<hex digest of salt + password>`: the password itself is never kept. */
  passwordHash?: string;
}

export interface CustomerRecord {
  id: string;
  togaiCustomerId: string;
  name: string;
  primaryEmail: string;
  address: Address;
  settings?: EntitySetting[];
  status: 'ACTIVE' | 'ARCHIVED';
  createdAt: number;
  updatedAt: number;
  /** Ids of its accounts, in creation order. */
  accountIds: string[];
  contacts: ContactRecord[];
}

export interface AliasRecord {
  id: string;
  value: string;
  /** Start of the window (inclusive); null: since always. */
  from: number | null;
  /** End of the window (exclusive); null: for ever. */
  until: number | null;
  createdAt: number;
  updatedAt: number;
}

export type AccountStatus = 'ACTIVE' | 'DRAFT' | 'ARCHIVED';

export interface WalletEntryRecord {
  id: string;
  transactionType: 'CREDITED' | 'DEBITED';
  status: 'COMPLETED' | 'ON_HOLD';
  amount: number;
  createdAt: number;
  closingBalance: number;
  entityId?: string;
  /** The invoice a debit or hold was made for (control API), to settle or release holds by it. */
  invoiceId?: string;
}

export interface WalletRecord {
  id: string;
  status: 'ACTIVE' | 'INACTIVE';
  /** What is spendable: top-ups minus debits minus amounts on hold. */
  balance: number;
  holdAmount: number;
  effectiveFrom: number;
  createdAt: number;
  updatedAt: number;
  entries: WalletEntryRecord[];
}

export interface AccountRecord {
  id: string;
  togaiAccountId: string;
  customerId: string;
  name: string;
  invoiceCurrency: string;
  status: AccountStatus;
  primaryEmail?: string;
  address?: Address;
  billingInformation?: BillingInformation;
  settings?: EntitySetting[];
  netTermDays?: number;
  metadata?: Record<string, string>;
  createdAt: number;
  updatedAt: number;
  aliases: AliasRecord[];
  wallet: WalletRecord;
}

/** A window in the request's terms: ISO date-times, either end may be absent (unbounded). */
export type AliasWindowInput = Spec.CreateAccountAliasRequest;
export type AccountInput = Spec.CreateAccountRequestWithoutCustomerId;
export type CustomerInput = Spec.CreateCustomerRequest;
export type CustomerPatch = Spec.UpdateCustomerRequest;
export type AccountPatch = Spec.UpdateAccountRequest;
export type AddAliasesInput = Spec.AddAccountAliasesRequest;
export type RemoveAliasesInput = Spec.RemoveAccountAliasesRequest;
export type WalletPatch = Spec.UpdateWalletRequest;

/** A contact to store: the request's fields with its password already hashed (hashPassword). */
export type ContactInput = Omit<Spec.CreateCustomerContactRequest, 'password' | 'loginAccess'> & {
  loginAccess?: boolean;
  passwordHash?: string;
};
