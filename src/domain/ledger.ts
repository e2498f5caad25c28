// The credit ledger of one tenant: accounts, credits, their transactions and
// holds, and every rule of TOGAI-CREDITS.md (grant, idempotency, expiry,
// consumption, holds, void, balance, listing order).
//
// Pure TypeScript: no HTTP, no I/O, no wall clock. Every public method takes
// `now` (epoch ms) and first brings the lifecycle up to that instant, so a
// moved clock is honoured by whichever call comes next. All methods are
// synchronous: a call either completes or throws before it changes anything,
// so nothing is ever half-written, and concurrent HTTP requests (which Node
// runs one at a time through here) cannot interleave inside one.

import type {
  Credit,
  CreditBalanceResponse,
  CreditDetailsResponse,
  CreditRequest,
  CreditStatus,
  CreditTransaction,
  TransactionType,
} from '../spec/types.js';
import { MockError, invalid, notFound } from './errors.js';
import { MinHeap } from './heap.js';
import { IdGenerator } from './ids.js';
import { add, min, sub } from './money.js';

const DAY_MS = 86_400_000;

/** Special applicableEntityIds values that match every entity of a kind. */
const WILDCARD_ENTITIES = new Set(['ALL_USAGE_METER_RATE_CARDS', 'ALL_FIXED_FEE_RATE_CARDS']);

export interface TransactionRecord {
  id: string;
  type: TransactionType;
  amount: number;
  createdAt: number;
  invoiceId?: string;
  entityId?: string;
}

export interface CreditRecord {
  /** Position in creation order; the listing cursor is built on it. */
  seq: number;
  id: string;
  /** The grant request exactly as the client sent it. */
  request: CreditRequest;
  customerId: string;
  creditUnit: string;
  status: CreditStatus;
  holdAmount: number;
  consumedAmount: number;
  createdAt: number;
  updatedAt: number;
  /** First instant in effect (start of effectiveFrom, UTC). */
  fromMs: number;
  /** First instant no longer in effect (end of effectiveUntil, UTC); Infinity without one. */
  untilMs: number;
  transactions: TransactionRecord[];
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

export interface LedgerOptions {
  /** Currency of accounts created implicitly or without one. Default USD. */
  defaultCurrency?: string;
  /** When true, accounts must exist before credits are granted to them. */
  strictAccounts?: boolean;
  /** Seed for reproducible ids. */
  seed?: number;
}

export interface AccountInput {
  accountId: string;
  customerId?: string;
  currency?: string;
}

export interface ListQuery {
  status?: CreditStatus;
  accountId?: string;
  id?: string;
  pageSize: number;
  /** Return credits created after this one (exclusive). */
  afterId?: string;
}

export interface ListPage {
  credits: Credit[];
  /** Id of the last credit of the page when more follow; undefined on the last page. */
  nextAfterId: string | undefined;
}

export interface ConsumeInput {
  amount: number;
  invoiceId?: string;
  entityId?: string;
  hold?: boolean;
}

export interface Draw {
  creditId: string;
  amount: number;
  /** The DEBITED transaction written (plain consumption). */
  transactionId?: string;
  /** The hold placed (consumption with hold: true). */
  holdId?: string;
}

export interface ConsumeResult {
  accountId: string;
  requested: number;
  drawn: Draw[];
  /** Part of the amount no credit could cover. */
  unmet: number;
  hold: boolean;
}

export interface HoldSelector {
  invoiceId?: string;
  holdId?: string;
}

export interface HoldOutcome {
  accountId: string;
  holds: Array<{ holdId: string; creditId: string; amount: number; transactionId?: string }>;
  total: number;
}

export interface LedgerSnapshot {
  accounts: Array<Omit<AccountRecord, 'credits' | 'holds'>>;
  credits: Array<Omit<CreditRecord, 'seq' | 'fromMs' | 'untilMs'>>;
  holds: Array<HoldRecord & { accountId: string }>;
}

/** Start of a `YYYY-MM-DD` day in UTC, as epoch ms. */
export function dayStart(date: string): number {
  return Date.parse(`${date}T00:00:00.000Z`);
}

const iso = (ms: number): string => new Date(ms).toISOString();

export class Ledger {
  private readonly accounts = new Map<string, AccountRecord>();
  private readonly byId = new Map<string, CreditRecord>();
  /** Every credit in creation order; index === seq. */
  private readonly all: CreditRecord[] = [];
  private readonly idempotency = new Map<string, CreditRecord>();
  /** ACTIVE credits with an effectiveUntil, keyed by the instant they expire. */
  private readonly expiries = new MinHeap<CreditRecord>();
  private readonly ids: IdGenerator;
  private readonly defaultCurrency: string;
  readonly strictAccounts: boolean;

  constructor(options: LedgerOptions = {}) {
    this.ids = new IdGenerator(options.seed);
    this.defaultCurrency = options.defaultCurrency ?? 'USD';
    this.strictAccounts = options.strictAccounts ?? false;
  }

  get creditCount(): number {
    return this.all.length;
  }

  get accountCount(): number {
    return this.accounts.size;
  }

  // ---------------------------------------------------------------- accounts

  createAccount(input: AccountInput, now: number): AccountRecord {
    if (this.accounts.has(input.accountId)) {
      throw new MockError('conflict', `Account ${input.accountId} already exists`);
    }
    const account: AccountRecord = {
      id: input.accountId,
      customerId: input.customerId ?? input.accountId,
      currency: input.currency ?? this.defaultCurrency,
      createdAt: now,
      updatedAt: now,
      credits: [],
      holds: [],
    };
    this.accounts.set(account.id, account);
    return account;
  }

  getAccount(accountId: string): AccountRecord | undefined {
    return this.accounts.get(accountId);
  }

  listAccounts(): AccountRecord[] {
    return [...this.accounts.values()];
  }

  // ------------------------------------------------------------------ grant

  /**
   * Grants one credit per request, all or nothing. `ids` optionally fixes the
   * id of each new credit (provider states and fixtures need known ids).
   */
  grant(requests: CreditRequest[], now: number, ids?: Array<string | undefined>): Credit[] {
    this.settle(now);
    // Validate everything first: a bad request anywhere stores nothing.
    const seenIds = new Set<string>();
    requests.forEach((r, i) => {
      const at = `creditRequests[${i}]`;
      if (r.creditAmount !== undefined && r.creditAmount < 0) {
        throw invalid(`${at}.creditAmount must not be negative`);
      }
      if (r.effectiveUntil !== undefined && r.effectiveUntil < r.effectiveFrom) {
        throw invalid(`${at}.effectiveUntil (${r.effectiveUntil}) must not be before effectiveFrom (${r.effectiveFrom})`);
      }
      if (this.strictAccounts && !this.accounts.has(r.accountId)) {
        throw notFound(`${at}.accountId: account ${r.accountId} does not exist`);
      }
      const wanted = ids?.[i];
      if (wanted !== undefined) {
        if (this.byId.has(wanted) || seenIds.has(wanted)) {
          throw new MockError('conflict', `${at}: a credit with id ${wanted} already exists`);
        }
        seenIds.add(wanted);
      }
    });
    return requests.map((r, i) => this.toCredit(this.grantOne(r, now, ids?.[i])));
  }

  private grantOne(request: CreditRequest, now: number, wantedId: string | undefined): CreditRecord {
    const key = request.idempotencyKey === undefined ? undefined : `${request.accountId}\u0000${request.idempotencyKey}`;
    if (key !== undefined) {
      const earlier = this.idempotency.get(key);
      if (earlier) return earlier;
    }
    const account = this.accounts.get(request.accountId) ?? this.createAccount({ accountId: request.accountId }, now);
    let id = wantedId ?? this.ids.credit();
    while (this.byId.has(id)) id = this.ids.credit();
    const amount = request.creditAmount ?? 0;
    const record: CreditRecord = {
      seq: this.all.length,
      id,
      request: { ...request, applicableEntityIds: request.applicableEntityIds ?? [] },
      customerId: account.customerId,
      creditUnit: account.currency,
      status: 'ACTIVE',
      holdAmount: 0,
      consumedAmount: 0,
      createdAt: now,
      updatedAt: now,
      fromMs: dayStart(request.effectiveFrom),
      untilMs: request.effectiveUntil === undefined ? Infinity : dayStart(request.effectiveUntil) + DAY_MS,
      transactions: [],
    };
    this.addTransaction(record, 'CREDITED', amount, now);
    this.insert(record, account);
    if (key !== undefined) this.idempotency.set(key, record);
    account.updatedAt = Math.max(account.updatedAt, now);
    // A credit granted with a window that has already closed expires at once.
    this.settle(now);
    return record;
  }

  private insert(record: CreditRecord, account: AccountRecord): void {
    this.all.push(record);
    this.byId.set(record.id, record);
    account.credits.push(record);
    if (record.status === 'ACTIVE' && record.untilMs !== Infinity) this.expiries.push(record.untilMs, record);
  }

  private addTransaction(
    record: CreditRecord,
    type: TransactionType,
    amount: number,
    at: number,
    extra?: { invoiceId?: string | undefined; entityId?: string | undefined },
  ): TransactionRecord {
    const tx: TransactionRecord = { id: this.ids.transaction(), type, amount, createdAt: at };
    if (extra?.invoiceId !== undefined) tx.invoiceId = extra.invoiceId;
    if (extra?.entityId !== undefined) tx.entityId = extra.entityId;
    record.transactions.push(tx);
    return tx;
  }

  // -------------------------------------------------------------- lifecycle

  /** Expires every ACTIVE credit whose effectiveUntil has passed by `now`. */
  settle(now: number): void {
    for (;;) {
      const due = this.expiries.peekKey();
      if (due === undefined || due > now) return;
      const record = this.expiries.pop()!;
      if (record.status !== 'ACTIVE') continue;
      // The expiry happened when the window closed, not when it was noticed;
      // never before the credit existed, though (back-dated grants).
      const at = Math.max(record.untilMs, record.createdAt);
      const account = this.accounts.get(record.request.accountId)!;
      this.dropHolds(account, record);
      const remainder = sub(record.request.creditAmount ?? 0, record.consumedAmount);
      record.status = 'EXPIRED';
      record.updatedAt = at;
      this.addTransaction(record, 'EXPIRED', remainder, at);
      account.updatedAt = Math.max(account.updatedAt, at);
    }
  }

  private dropHolds(account: AccountRecord, record: CreditRecord): void {
    if (record.holdAmount === 0) return;
    account.holds = account.holds.filter((h) => h.creditId !== record.id);
    record.holdAmount = 0;
  }

  // ------------------------------------------------------------------ reads

  getCredit(id: string, now: number): Credit {
    this.settle(now);
    return this.toCredit(this.mustFind(id));
  }

  getCreditDetails(id: string, now: number): CreditDetailsResponse {
    this.settle(now);
    const record = this.mustFind(id);
    return { ...this.toCredit(record), transactions: record.transactions.map((t) => toTransaction(record.id, t)) };
  }

  /** Whether a credit with this id is stored. */
  has(id: string): boolean {
    return this.byId.has(id);
  }

  list(query: ListQuery, now: number): ListPage {
    this.settle(now);
    let source: CreditRecord[];
    if (query.id !== undefined) {
      const one = this.byId.get(query.id);
      source = one ? [one] : [];
    } else if (query.accountId !== undefined) {
      source = this.accounts.get(query.accountId)?.credits ?? [];
    } else {
      source = this.all;
    }
    let start = 0;
    if (query.afterId !== undefined) {
      const after = this.byId.get(query.afterId);
      if (!after) throw invalid('nextToken refers to a credit that does not exist (was the mock reset?)');
      start = firstAfter(source, after.seq);
    }
    const page: CreditRecord[] = [];
    let more = false;
    for (let i = start; i < source.length; i++) {
      const r = source[i]!;
      if (query.status !== undefined && r.status !== query.status) continue;
      if (query.accountId !== undefined && r.request.accountId !== query.accountId) continue;
      if (page.length === query.pageSize) {
        more = true;
        break;
      }
      page.push(r);
    }
    return {
      credits: page.map((r) => this.toCredit(r)),
      nextAfterId: more ? page[page.length - 1]!.id : undefined,
    };
  }

  balance(accountId: string, now: number): CreditBalanceResponse {
    this.settle(now);
    const account = this.accounts.get(accountId);
    if (!account) {
      if (this.strictAccounts) throw notFound(`Account ${accountId} does not exist`);
      return {
        activeCredits: 0,
        availableBalance: 0,
        runningBalance: 0,
        inapplicableCredits: 0,
        unit: this.defaultCurrency,
        lastUpdatedAt: iso(now),
      };
    }
    let active = 0;
    let consumed = 0;
    let held = 0;
    let inapplicable = 0;
    for (const r of account.credits) {
      if (r.status !== 'ACTIVE') continue;
      const amount = r.request.creditAmount ?? 0;
      if (r.fromMs > now) {
        inapplicable = add(inapplicable, amount);
      } else if (now < r.untilMs) {
        active = add(active, amount);
        consumed = add(consumed, r.consumedAmount);
        held = add(held, r.holdAmount);
      }
    }
    const available = sub(active, consumed);
    return {
      activeCredits: active,
      availableBalance: available,
      runningBalance: sub(available, held),
      inapplicableCredits: inapplicable,
      unit: account.currency,
      lastUpdatedAt: iso(account.updatedAt),
    };
  }

  // ------------------------------------------------------------------- void

  void(id: string, now: number): Credit {
    this.settle(now);
    const record = this.mustFind(id);
    if (record.status !== 'ACTIVE') {
      throw invalid(`Credit ${id} is ${record.status}; only an ACTIVE credit can be voided`);
    }
    const account = this.accounts.get(record.request.accountId)!;
    this.dropHolds(account, record);
    const remainder = sub(record.request.creditAmount ?? 0, record.consumedAmount);
    record.status = 'VOIDED';
    record.updatedAt = now;
    this.addTransaction(record, 'VOIDED', remainder, now);
    account.updatedAt = Math.max(account.updatedAt, now);
    return this.toCredit(record);
  }

  // ------------------------------------------------------------ consumption

  /**
   * Draws `amount` from the account's spendable credits: ACTIVE, in effect,
   * applicable to the entity (when one is named), in order of priority, then
   * earliest effectiveUntil, then oldest. Whatever no credit covers is
   * reported as `unmet`, the way an invoice bills the rest.
   */
  consume(accountId: string, input: ConsumeInput, now: number): ConsumeResult {
    this.settle(now);
    if (!(input.amount > 0)) throw invalid('amount must be greater than 0');
    const account = this.accounts.get(accountId);
    if (!account) throw notFound(`Account ${accountId} does not exist`);
    const hold = input.hold ?? false;
    const candidates = account.credits
      .filter((r) => r.status === 'ACTIVE' && r.fromMs <= now && now < r.untilMs && spendable(r) > 0)
      .filter((r) => input.entityId === undefined || appliesTo(r, input.entityId))
      .sort(drawOrder);
    let remaining = input.amount;
    const drawn: Draw[] = [];
    for (const r of candidates) {
      if (remaining <= 0) break;
      const take = min(spendable(r), remaining);
      remaining = sub(remaining, take);
      r.updatedAt = now;
      if (hold) {
        const h: HoldRecord = { id: this.ids.hold(), creditId: r.id, amount: take, createdAt: now };
        if (input.invoiceId !== undefined) h.invoiceId = input.invoiceId;
        if (input.entityId !== undefined) h.entityId = input.entityId;
        account.holds.push(h);
        r.holdAmount = add(r.holdAmount, take);
        drawn.push({ creditId: r.id, amount: take, holdId: h.id });
      } else {
        const tx = this.debit(r, take, now, input);
        drawn.push({ creditId: r.id, amount: take, transactionId: tx.id });
      }
    }
    if (drawn.length > 0) account.updatedAt = Math.max(account.updatedAt, now);
    return { accountId, requested: input.amount, drawn, unmet: remaining, hold };
  }

  private debit(
    r: CreditRecord,
    amount: number,
    now: number,
    ref: { invoiceId?: string | undefined; entityId?: string | undefined },
  ): TransactionRecord {
    r.consumedAmount = add(r.consumedAmount, amount);
    const tx = this.addTransaction(r, 'DEBITED', amount, now, ref);
    if (r.consumedAmount >= (r.request.creditAmount ?? 0)) r.status = 'CONSUMED';
    return tx;
  }

  /** Gives held amounts back to their credits. */
  releaseHolds(accountId: string, selector: HoldSelector, now: number): HoldOutcome {
    return this.closeHolds(accountId, selector, now, false);
  }

  /** Turns held amounts into consumption (DEBITED transactions). */
  settleHolds(accountId: string, selector: HoldSelector, now: number): HoldOutcome {
    return this.closeHolds(accountId, selector, now, true);
  }

  listHolds(accountId: string, now: number): HoldRecord[] {
    this.settle(now);
    const account = this.accounts.get(accountId);
    if (!account) throw notFound(`Account ${accountId} does not exist`);
    return [...account.holds];
  }

  private closeHolds(accountId: string, selector: HoldSelector, now: number, settleThem: boolean): HoldOutcome {
    this.settle(now);
    const account = this.accounts.get(accountId);
    if (!account) throw notFound(`Account ${accountId} does not exist`);
    const matches = (h: HoldRecord): boolean =>
      (selector.invoiceId === undefined || h.invoiceId === selector.invoiceId) &&
      (selector.holdId === undefined || h.id === selector.holdId);
    const chosen = account.holds.filter(matches);
    if (selector.holdId !== undefined && chosen.length === 0) {
      throw notFound(`Hold ${selector.holdId} does not exist on account ${accountId}`);
    }
    const outcome: HoldOutcome = { accountId, holds: [], total: 0 };
    for (const h of chosen) {
      const r = this.byId.get(h.creditId)!;
      r.holdAmount = sub(r.holdAmount, h.amount);
      r.updatedAt = now;
      const entry: HoldOutcome['holds'][number] = { holdId: h.id, creditId: h.creditId, amount: h.amount };
      if (settleThem) entry.transactionId = this.debit(r, h.amount, now, h).id;
      outcome.holds.push(entry);
      outcome.total = add(outcome.total, h.amount);
    }
    account.holds = account.holds.filter((h) => !matches(h));
    if (chosen.length > 0) account.updatedAt = Math.max(account.updatedAt, now);
    return outcome;
  }

  // --------------------------------------------------------------- snapshot

  snapshot(): LedgerSnapshot {
    return {
      accounts: [...this.accounts.values()].map(({ credits: _c, holds: _h, ...a }) => a),
      credits: this.all.map(({ seq: _s, fromMs: _f, untilMs: _u, ...r }) => ({
        ...r,
        transactions: r.transactions.map((t) => ({ ...t })),
      })),
      holds: [...this.accounts.values()].flatMap((a) => a.holds.map((h) => ({ ...h, accountId: a.id }))),
    };
  }

  /** Replaces this ledger's contents with a snapshot (from snapshot()). */
  restore(snap: LedgerSnapshot): void {
    this.accounts.clear();
    this.byId.clear();
    this.all.length = 0;
    this.idempotency.clear();
    this.expiries.clear();
    for (const a of snap.accounts) this.accounts.set(a.id, { ...a, credits: [], holds: [] });
    for (const c of snap.credits) {
      const account = this.accounts.get(c.request.accountId);
      if (!account) throw invalid(`snapshot: credit ${c.id} belongs to unknown account ${c.request.accountId}`);
      const record: CreditRecord = {
        ...c,
        transactions: c.transactions.map((t) => ({ ...t })),
        seq: this.all.length,
        fromMs: dayStart(c.request.effectiveFrom),
        untilMs: c.request.effectiveUntil === undefined ? Infinity : dayStart(c.request.effectiveUntil) + DAY_MS,
      };
      this.insert(record, account);
      if (c.request.idempotencyKey !== undefined) {
        const key = `${c.request.accountId}\u0000${c.request.idempotencyKey}`;
        if (!this.idempotency.has(key)) this.idempotency.set(key, record);
      }
    }
    for (const { accountId, ...h } of snap.holds) {
      const account = this.accounts.get(accountId);
      if (!account || !this.byId.has(h.creditId)) throw invalid(`snapshot: hold ${h.id} refers to unknown data`);
      account.holds.push(h);
    }
  }

  // ---------------------------------------------------------------- helpers

  private mustFind(id: string): CreditRecord {
    const record = this.byId.get(id);
    if (!record) throw notFound(`Credit ${id} does not exist`);
    return record;
  }

  /** The API shape of a stored credit, keys in a fixed order; optional fields only when sent. */
  toCredit(r: CreditRecord): Credit {
    const q = r.request;
    const credit = {
      id: r.id,
      customerId: r.customerId,
      accountId: q.accountId,
      purpose: q.purpose,
      effectiveFrom: q.effectiveFrom,
      effectiveUntil: q.effectiveUntil,
      creditAmount: q.creditAmount,
      priority: q.priority,
      status: r.status,
      applicableEntityIds: q.applicableEntityIds ?? [],
      grantorId: q.grantorId,
      idempotencyKey: q.idempotencyKey,
      creditUnit: r.creditUnit,
      holdAmount: r.holdAmount,
      consumedAmount: r.consumedAmount,
      createdAt: iso(r.createdAt),
      updatedAt: iso(r.updatedAt),
    };
    // Absent optional fields stay absent (JSON.stringify skips undefined, but
    // deep-equality checks in clients' tests should not see them either).
    if (credit.effectiveUntil === undefined) delete credit.effectiveUntil;
    if (credit.creditAmount === undefined) delete credit.creditAmount;
    if (credit.grantorId === undefined) delete credit.grantorId;
    if (credit.idempotencyKey === undefined) delete credit.idempotencyKey;
    return credit;
  }
}

function toTransaction(creditId: string, t: TransactionRecord): CreditTransaction {
  const tx: CreditTransaction = {
    id: t.id,
    creditId,
    transactionType: t.type,
    amount: t.amount,
    createdAt: iso(t.createdAt),
  };
  if (t.invoiceId !== undefined) tx.invoiceId = t.invoiceId;
  if (t.entityId !== undefined) tx.entityId = t.entityId;
  return tx;
}

/** What is left to spend on a credit. */
function spendable(r: CreditRecord): number {
  return sub(sub(r.request.creditAmount ?? 0, r.consumedAmount), r.holdAmount);
}

/**
 * Empty or absent applicableEntityIds means every entity. The two special
 * values match every entity too: the fake does not know which kind of rate
 * card an entity id names.
 */
function appliesTo(r: CreditRecord, entityId: string): boolean {
  const ids = r.request.applicableEntityIds ?? [];
  return ids.length === 0 || ids.includes(entityId) || ids.some((id) => WILDCARD_ENTITIES.has(id));
}

function drawOrder(a: CreditRecord, b: CreditRecord): number {
  return a.request.priority - b.request.priority || a.untilMs - b.untilMs || a.createdAt - b.createdAt || a.seq - b.seq;
}

/** Index of the first record whose seq is greater than `seq` (records ascend by seq). */
function firstAfter(records: CreditRecord[], seq: number): number {
  let lo = 0;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (records[mid]!.seq <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
