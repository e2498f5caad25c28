// What the directory stores: customers with their contacts, accounts with
// their aliases and wallet, and the wallet's entries. Times are epoch ms;
// an alias window's open ends are null (minus / plus infinity). Records are
// mutable in place, always through Directory (which records how to take
// every change back, see directory.ts).

/** The Togai Address object, stored as sent. */
export interface Address {
  phoneNumber?: string;
  line1?: string;
  line2?: string;
  postalCode?: string;
  city?: string;
  state?: string;
  country?: string;
}

export interface EntitySetting {
  id: string;
  value: string;
  namespace: string;
  name: string;
  dataType: 'STRING' | 'NUMERIC' | 'JSON' | 'JSON_LOGIC';
}

export interface BillingInformation {
  emailRecipients?: string[];
  additionalEmailRecipients?: string[];
}

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
export interface AliasWindowInput {
  value: string;
  effectiveFrom?: string;
  effectiveUntil?: string;
}

export interface AccountInput {
  id: string;
  name: string;
  invoiceCurrency?: string;
  aliases?: string[];
  accountAliases?: AliasWindowInput[];
  address?: Address;
  primaryEmail?: string;
  billingInformation?: BillingInformation;
  settings?: EntitySetting[];
  netTermDays?: number;
  metadata?: Record<string, string>;
  status?: 'ACTIVE' | 'DRAFT';
}

export interface CustomerInput {
  id: string;
  name: string;
  primaryEmail: string;
  address: Address;
  settings?: EntitySetting[];
  account?: AccountInput;
}

export interface CustomerPatch {
  name?: string;
  primaryEmail?: string;
  address?: Address;
}

export interface AccountPatch {
  name?: string;
  status?: 'ACTIVE' | 'DRAFT';
  invoiceCurrency?: string;
  netTermDays?: number;
  primaryEmail?: string;
  billingInformation?: BillingInformation;
  address?: Address;
  metadata?: Record<string, string>;
}

/** A contact to store: the request's fields with its password already hashed (hashPassword). */
export interface ContactInput {
  preferredUsername?: string;
  name: string;
  passwordHash?: string;
  email: string;
  phone?: string;
  verified?: boolean;
  loginAccess?: boolean;
}

export interface RemoveAliasesInput {
  aliases?: string[];
  accountAliases?: Array<{ id: string; from?: string }>;
}

export interface AddAliasesInput {
  aliases?: string[];
  accountAliases?: AliasWindowInput[];
}

export interface WalletPatch {
  effectiveFrom?: string;
  status?: 'ACTIVE' | 'INACTIVE';
}
