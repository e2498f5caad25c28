// What the ledger stores: accounts, credits, their transactions and holds.
// These are the in-memory forms, shaped for size (see compact.ts), not the
// API's: api-shapes.ts turns them into the spec's shapes and
// ledger-snapshot.ts into the snapshot document.

import type { CreditRequest, CreditStatus, TransactionType } from '../spec/types.js';
import { dateOf } from './compact.js';
import { DAY_MS } from './dates.js';

export interface TransactionRecord {
  id: string;
  type: TransactionType;
  amount: number;
  createdAt: number;
  invoiceId?: string;
  entityId?: string;
}

export interface HoldRecord {
  id: string;
  creditId: string;
  amount: number;
  createdAt: number;
  invoiceId?: string;
  entityId?: string;
}

export interface AccountRecord {
  id: string;
  customerId: string;
  currency: string;
  createdAt: number;
  /** Latest change to the account or any of its credits. */
  updatedAt: number;
  /** The account's credits in creation order (ascending seq). */
  credits: CreditRecord[];
  holds: HoldRecord[];
}

/** Rarely used parts of a credit, kept out of the record so most credits pay nothing for them. */
export interface CreditExtra {
  grantorId?: string;
  idempotencyKey?: string;
  /** Only when they differ from the account's (possible in a restored snapshot). */
  customerId?: string;
  creditUnit?: string;
  /** Only when the day number does not spell the date back exactly. */
  effectiveFrom?: string;
  effectiveUntil?: string;
}

/** Effective-until day of a credit without one: far beyond any date, yet a small integer. */
export const NO_END_DAY = 2 ** 30;
/** Shared by every credit granted without applicableEntityIds (frozen: never written to). */
export const NO_ENTITIES: string[] = Object.freeze([]) as unknown as string[];

/**
 * One stored credit. Grant fields are kept flat (not as a copy of the
 * request); `customerId` and `creditUnit` come from the account unless a
 * snapshot said otherwise; createdAt/updatedAt are kept by the ledger.
 */
export class CreditRecord {
  constructor(
    /**
     * Slot in creation order (see credit-table.ts); the listing order and
     * cursor are built on it. Only the credit table changes it, keeping the
     * order, when a credit put back needs room.
     */
    public seq: number,
    readonly id: string,
    readonly account: AccountRecord,
    readonly purpose: string,
    readonly creditAmount: number | undefined,
    readonly priority: number,
    readonly applicableEntityIds: string[],
    readonly extra: CreditExtra | undefined,
    /** First day in effect, as days since the epoch (UTC). */
    readonly fromDay: number,
    /** Last day in effect, as days since the epoch; NO_END_DAY without one. */
    readonly untilDay: number,
    /**
     * Undefined while the credit's only transaction is its CREDITED one (of
     * creditAmount, at createdAt; its id kept by the ledger); the full list
     * once there is more.
     */
    public txs: TransactionRecord[] | undefined,
    public status: CreditStatus = 'ACTIVE',
    public holdAmount = 0,
    public consumedAmount = 0,
  ) {}

  get accountId(): string {
    return this.account.id;
  }

  get effectiveFrom(): string {
    return this.extra?.effectiveFrom ?? dateOf(this.fromDay);
  }

  get effectiveUntil(): string | undefined {
    if (this.untilDay === NO_END_DAY) return undefined;
    return this.extra?.effectiveUntil ?? dateOf(this.untilDay);
  }

  get customerId(): string {
    return this.extra?.customerId ?? this.account.customerId;
  }

  get creditUnit(): string {
    return this.extra?.creditUnit ?? this.account.currency;
  }

  /** First instant in effect (start of effectiveFrom, UTC). */
  get fromMs(): number {
    return this.fromDay * DAY_MS;
  }

  /** First instant no longer in effect (end of effectiveUntil, UTC); Infinity without one. */
  get untilMs(): number {
    return this.untilDay === NO_END_DAY ? Infinity : (this.untilDay + 1) * DAY_MS;
  }

  /** The grant request as stored (applicableEntityIds always present). */
  get request(): CreditRequest {
    const q: CreditRequest = {
      accountId: this.account.id,
      purpose: this.purpose,
      applicableEntityIds: [...this.applicableEntityIds],
      effectiveFrom: this.effectiveFrom,
      priority: this.priority,
    };
    if (this.effectiveUntil !== undefined) q.effectiveUntil = this.effectiveUntil;
    if (this.creditAmount !== undefined) q.creditAmount = this.creditAmount;
    if (this.extra?.grantorId !== undefined) q.grantorId = this.extra.grantorId;
    if (this.extra?.idempotencyKey !== undefined) q.idempotencyKey = this.extra.idempotencyKey;
    return q;
  }
}
