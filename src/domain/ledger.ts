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
//
// Storage is compact on purpose (issue 6: a million credits must fit in a few
// hundred MB): a credit is one fixed-shape object with no copy of its grant
// request, repeated strings (purposes, dates) are shared, its two timestamps
// live in a per-ledger Float64Array, and its CREDITED transaction is just an
// id until a second transaction arrives. snapshot() still writes the full,
// documented shape.

import type {
  Credit,
  CreditBalanceResponse,
  CreditDetailsResponse,
  CreditRequest,
  CreditStatus,
  CreditTransaction,
  TransactionType,
} from '../spec/types.js';
import { DAY_MS, dayStart, utcDate } from './dates.js';
import { MockError, invalid, notFound } from './errors.js';
import { MinHeap } from './heap.js';
import { checkFiniteTotals } from './totals.js';
import { IdGenerator, TRANSACTION_ID_PATTERN } from './ids.js';
import { add, min, sub } from './money.js';

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

/** Rarely used parts of a credit, kept out of the record so most credits pay nothing for them. */
interface CreditExtra {
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
const NO_END_DAY = 2 ** 30;
/** Shared by every credit granted without applicableEntityIds (frozen: never written to). */
const NO_ENTITIES: string[] = Object.freeze([]) as unknown as string[];

/**
 * One stored credit. Grant fields are kept flat (not as a copy of the
 * request); `customerId` and `creditUnit` come from the account unless a
 * snapshot said otherwise; createdAt/updatedAt are kept by the ledger.
 */
export class CreditRecord {
  constructor(
    /** Position in creation order; the listing cursor is built on it. */
    readonly seq: number,
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

/** A balance as computed, valid while the ledger's change count is `changes` and from <= now < until. */
interface CachedBalance {
  changes: number;
  from: number;
  until: number;
  balance: CreditBalanceResponse;
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

export interface CreditSnapshot {
  id: string;
  /** The grant request as stored. */
  request: CreditRequest;
  customerId: string;
  creditUnit: string;
  status: CreditStatus;
  holdAmount: number;
  consumedAmount: number;
  createdAt: number;
  updatedAt: number;
  transactions: TransactionRecord[];
}

export interface LedgerSnapshot {
  accounts: Array<Omit<AccountRecord, 'credits' | 'holds'>>;
  credits: CreditSnapshot[];
  holds: Array<HoldRecord & { accountId: string }>;
}

/** Credits were granted in bursts within one millisecond: remember the last conversion. */
let lastIsoMs = NaN;
let lastIso = '';
const iso = (ms: number): string => {
  if (ms !== lastIsoMs) {
    lastIso = new Date(ms).toISOString();
    lastIsoMs = ms;
  }
  return lastIso;
};

/** Shares equal strings that many credits repeat (purposes, dates, grantors); bounded. */
class StringPool {
  private readonly pool = new Map<string, string>();
  constructor(private readonly limit: number) {}

  intern(s: string): string;
  intern(s: string | undefined): string | undefined;
  intern(s: string | undefined): string | undefined {
    if (s === undefined) return s;
    const known = this.pool.get(s);
    if (known !== undefined) return known;
    if (this.pool.size < this.limit) this.pool.set(s, s);
    return s;
  }

  clear(): void {
    this.pool.clear();
  }
}

/** createdAt and updatedAt of every credit, indexed by seq: two doubles, no boxes. */
class Timestamps {
  private data = new Float64Array(2 * 1024);

  createdAt(seq: number): number {
    return this.data[2 * seq]!;
  }

  updatedAt(seq: number): number {
    return this.data[2 * seq + 1]!;
  }

  set(seq: number, createdAt: number, updatedAt: number): void {
    if (2 * seq + 1 >= this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[2 * seq] = createdAt;
    this.data[2 * seq + 1] = updatedAt;
  }

  touch(seq: number, updatedAt: number): void {
    this.data[2 * seq + 1] = updatedAt;
  }

  clear(): void {
    this.data = new Float64Array(2 * 1024);
  }
}

/** Days since the epoch of a `YYYY-MM-DD` date (NaN when it is not one). */
const dayOf = (date: string): number => dayStart(date) / DAY_MS;

/** `YYYY-MM-DD` of a day number; few distinct days occur, so each is spelled once. */
const dates = new Map<number, string>();
function dateOf(day: number): string {
  if (!Number.isFinite(day)) return '';
  let s = dates.get(day);
  if (s === undefined) {
    s = utcDate(day * DAY_MS);
    if (dates.size < 100_000) dates.set(day, s);
  }
  return s;
}

/**
 * Ids of the CREDITED transactions, by seq, packed as their 16 random
 * characters (the `ctxn.` prefix and the dot are implied): 16 bytes instead
 * of a 40-byte string per credit.
 */
class PackedIds {
  private data = new Uint8Array(16 * 1024);

  static fits(id: string): boolean {
    return TRANSACTION_ID_PATTERN.test(id);
  }

  set(seq: number, id: string): void {
    if (16 * seq + 16 > this.data.length) {
      const grown = new Uint8Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    const at = 16 * seq;
    for (let i = 0; i < 11; i++) this.data[at + i] = id.charCodeAt(5 + i);
    for (let i = 0; i < 5; i++) this.data[at + 11 + i] = id.charCodeAt(17 + i);
  }

  get(seq: number): string {
    const d = this.data;
    const at = 16 * seq;
    return `ctxn.${String.fromCharCode(...d.subarray(at, at + 11))}.${String.fromCharCode(...d.subarray(at + 11, at + 16))}`;
  }

  clear(): void {
    this.data = new Uint8Array(16 * 1024);
  }
}

export class Ledger {
  private readonly accounts = new Map<string, AccountRecord>();
  private readonly byId = new Map<string, CreditRecord>();
  /** Every credit in creation order; index === seq. */
  private readonly all: CreditRecord[] = [];
  private readonly times = new Timestamps();
  private readonly creditedIds = new PackedIds();
  private readonly strings = new StringPool(10_000);
  private readonly idempotency = new Map<string, CreditRecord>();
  /** ACTIVE credits with an effectiveUntil, keyed by the instant they expire. */
  private readonly expiries = new MinHeap<CreditRecord>();
  private readonly ids: IdGenerator;
  private readonly defaultCurrency: string;
  readonly strictAccounts: boolean;
  /**
   * Counts every change to the ledger (a credit touched, granted, an account
   * created, a restore). A cached balance is only used at the count it was
   * computed at, so no change can leave a stale one behind.
   */
  private changes = 0;
  /** The last balance computed per account, with the span of time it holds for. */
  private readonly balances = new Map<string, CachedBalance>();

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
    this.changes++;
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
    // Also for seed, fixtures and provider states, not only the HTTP grant.
    checkFiniteTotals(this, requests, now);
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
    const txId = this.ids.transaction();
    const packed = PackedIds.fits(txId);
    let extra: CreditExtra | undefined;
    if (request.grantorId !== undefined || request.idempotencyKey !== undefined) {
      extra = {};
      if (request.grantorId !== undefined) extra.grantorId = this.strings.intern(request.grantorId);
      if (request.idempotencyKey !== undefined) extra.idempotencyKey = request.idempotencyKey;
    }
    const record = this.newRecord(id, account, request, extra, now);
    if (packed) this.creditedIds.set(record.seq, txId);
    else record.txs = [{ id: txId, type: 'CREDITED', amount: request.creditAmount ?? 0, createdAt: now }];
    this.times.set(record.seq, now, now);
    this.insert(record, account);
    if (key !== undefined) this.idempotency.set(key, record);
    account.updatedAt = Math.max(account.updatedAt, now);
    // A credit granted with a window that has already closed expires at once.
    this.settle(now);
    return record;
  }

  private newRecord(id: string, account: AccountRecord, q: CreditRequest, extra: CreditExtra | undefined, _now: number): CreditRecord {
    const entities = q.applicableEntityIds;
    const fromDay = dayOf(q.effectiveFrom);
    const untilDay = q.effectiveUntil === undefined ? NO_END_DAY : dayOf(q.effectiveUntil);
    // Dates are kept as day numbers; a string they would not spell back exactly is kept as sent.
    if (dateOf(fromDay) !== q.effectiveFrom) (extra ??= {}).effectiveFrom = q.effectiveFrom;
    if (q.effectiveUntil !== undefined && dateOf(untilDay) !== q.effectiveUntil) (extra ??= {}).effectiveUntil = q.effectiveUntil;
    return new CreditRecord(
      this.all.length,
      id,
      account,
      this.strings.intern(q.purpose),
      q.creditAmount,
      q.priority,
      entities === undefined || entities.length === 0 ? NO_ENTITIES : entities,
      extra,
      fromDay,
      untilDay,
      undefined,
    );
  }

  private insert(record: CreditRecord, account: AccountRecord): void {
    this.changes++;
    this.all.push(record);
    this.byId.set(record.id, record);
    account.credits.push(record);
    if (record.status === 'ACTIVE' && record.untilDay !== NO_END_DAY) this.expiries.push(record.untilMs, record);
  }

  /** The credit's transactions as records (expands the compact single-CREDITED form). */
  private transactionsOf(r: CreditRecord): TransactionRecord[] {
    if (r.txs !== undefined) return r.txs;
    return [{ id: this.creditedIds.get(r.seq), type: 'CREDITED', amount: r.creditAmount ?? 0, createdAt: this.times.createdAt(r.seq) }];
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
    (record.txs ??= this.transactionsOf(record)).push(tx);
    return tx;
  }

  /** Every change to a stored credit passes here (consumption, holds, expiry, void). */
  private touch(r: CreditRecord, at: number): void {
    this.changes++;
    this.times.touch(r.seq, at);
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
      const at = Math.max(record.untilMs, this.times.createdAt(record.seq));
      this.close(record, 'EXPIRED', at);
    }
  }

  /**
   * Ends an ACTIVE credit (expiry or void): its holds are released and what
   * was not consumed is written off in one transaction of the same type.
   */
  private close(record: CreditRecord, status: 'EXPIRED' | 'VOIDED', at: number): void {
    const account = record.account;
    this.dropHolds(account, record);
    const remainder = sub(record.creditAmount ?? 0, record.consumedAmount);
    record.status = status;
    this.touch(record, at);
    this.addTransaction(record, status, remainder, at);
    account.updatedAt = Math.max(account.updatedAt, at);
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
    const details = this.toCredit(record) as CreditDetailsResponse;
    details.transactions = this.transactionsOf(record).map((t) => toTransaction(record.id, t));
    return details;
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
      if (query.accountId !== undefined && r.account.id !== query.accountId) continue;
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

  /**
   * The account's balance at `now`. Polled often (a service checks it before
   * every billable action), so it is kept per account and reused while the
   * ledger is unchanged and `now` stays between the same credit boundaries
   * (effectiveFrom and effectiveUntil instants): within that span no credit
   * changes class, so the sums are the same. Without it a balance walks all
   * of the account's credits on every call.
   */
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
    const cached = this.balances.get(accountId);
    if (cached !== undefined && cached.changes === this.changes && cached.from <= now && now < cached.until) {
      return { ...cached.balance };
    }
    let active = 0;
    let consumed = 0;
    let held = 0;
    let inapplicable = 0;
    // The span around `now` in which every credit keeps its class.
    let from = -Infinity;
    let until = Infinity;
    for (const r of account.credits) {
      if (r.status !== 'ACTIVE') continue;
      const amount = r.creditAmount ?? 0;
      if (r.fromMs > now) {
        inapplicable = add(inapplicable, amount);
        until = Math.min(until, r.fromMs);
      } else if (now < r.untilMs) {
        active = add(active, amount);
        consumed = add(consumed, r.consumedAmount);
        held = add(held, r.holdAmount);
        from = Math.max(from, r.fromMs);
        until = Math.min(until, r.untilMs);
      } else {
        from = Math.max(from, r.untilMs);
      }
    }
    const available = sub(active, consumed);
    const balance: CreditBalanceResponse = {
      activeCredits: active,
      availableBalance: available,
      runningBalance: sub(available, held),
      inapplicableCredits: inapplicable,
      unit: account.currency,
      lastUpdatedAt: iso(account.updatedAt),
    };
    // Bounded: a store with a great many polled accounts starts over rather than growing.
    if (this.balances.size >= 100_000) this.balances.clear();
    this.balances.set(accountId, { changes: this.changes, from, until, balance });
    return { ...balance };
  }

  // ------------------------------------------------------------------- void

  void(id: string, now: number): Credit {
    this.settle(now);
    const record = this.mustFind(id);
    if (record.status !== 'ACTIVE') {
      throw invalid(`Credit ${id} is ${record.status}; only an ACTIVE credit can be voided`);
    }
    this.close(record, 'VOIDED', now);
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
    const createdAt = (r: CreditRecord): number => this.times.createdAt(r.seq);
    const candidates = account.credits
      .filter((r) => r.status === 'ACTIVE' && r.fromMs <= now && now < r.untilMs && spendable(r) > 0)
      .filter((r) => input.entityId === undefined || appliesTo(r, input.entityId))
      .sort((a, b) => a.priority - b.priority || a.untilMs - b.untilMs || createdAt(a) - createdAt(b) || a.seq - b.seq);
    let remaining = input.amount;
    const drawn: Draw[] = [];
    for (const r of candidates) {
      if (remaining <= 0) break;
      const take = min(spendable(r), remaining);
      remaining = sub(remaining, take);
      this.touch(r, now);
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
    if (r.consumedAmount >= (r.creditAmount ?? 0)) r.status = 'CONSUMED';
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
      this.touch(r, now);
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
      credits: this.all.map((r) => ({
        id: r.id,
        request: r.request,
        customerId: r.customerId,
        creditUnit: r.creditUnit,
        status: r.status,
        holdAmount: r.holdAmount,
        consumedAmount: r.consumedAmount,
        createdAt: this.times.createdAt(r.seq),
        updatedAt: this.times.updatedAt(r.seq),
        transactions: this.transactionsOf(r).map((t) => ({ ...t })),
      })),
      holds: [...this.accounts.values()].flatMap((a) => a.holds.map((h) => ({ ...h, accountId: a.id }))),
    };
  }

  /** Replaces this ledger's contents with a snapshot (from snapshot()). */
  restore(snap: LedgerSnapshot): void {
    this.changes++;
    this.balances.clear();
    this.accounts.clear();
    this.byId.clear();
    this.all.length = 0;
    this.times.clear();
    this.creditedIds.clear();
    this.strings.clear();
    this.idempotency.clear();
    this.expiries.clear();
    for (const a of snap.accounts) this.accounts.set(a.id, { ...a, credits: [], holds: [] });
    for (const c of snap.credits) {
      const q = c.request;
      const account = this.accounts.get(q.accountId);
      if (!account) throw invalid(`snapshot: credit ${c.id} belongs to unknown account ${q.accountId}`);
      let extra: CreditExtra | undefined;
      const set = (k: keyof CreditExtra, v: string | undefined): void => {
        if (v !== undefined) (extra ??= {})[k] = v;
      };
      set('grantorId', q.grantorId);
      set('idempotencyKey', q.idempotencyKey);
      if (c.customerId !== account.customerId) set('customerId', c.customerId);
      if (c.creditUnit !== account.currency) set('creditUnit', c.creditUnit);
      const txs = c.transactions.map((t) => ({ ...t }));
      const only = txs.length === 1 ? txs[0]! : undefined;
      // The common case (only the CREDITED transaction of the grant) is kept as just its id.
      const compact =
        only !== undefined &&
        only.type === 'CREDITED' &&
        only.amount === (q.creditAmount ?? 0) &&
        only.createdAt === c.createdAt &&
        only.invoiceId === undefined &&
        only.entityId === undefined &&
        Object.keys(only).length === 4 &&
        PackedIds.fits(only.id);
      const record = this.newRecord(c.id, account, q, extra, c.createdAt);
      if (compact) this.creditedIds.set(record.seq, only.id);
      else record.txs = txs;
      record.status = c.status;
      record.holdAmount = c.holdAmount;
      record.consumedAmount = c.consumedAmount;
      this.times.set(record.seq, c.createdAt, c.updatedAt);
      this.insert(record, account);
      if (q.idempotencyKey !== undefined) {
        const key = `${q.accountId}\u0000${q.idempotencyKey}`;
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

  /**
   * The API shape of a stored credit, keys in a fixed order; optional fields
   * only when sent (absent, not undefined: deep-equality checks in clients'
   * tests should not see them). Built in one pass, never with `delete`, so
   * the object keeps a fast shape for serialisation.
   */
  toCredit(r: CreditRecord): Credit {
    const credit = {
      id: r.id,
      customerId: r.customerId,
      accountId: r.account.id,
      purpose: r.purpose,
      effectiveFrom: r.effectiveFrom,
    } as Credit;
    if (r.effectiveUntil !== undefined) credit.effectiveUntil = r.effectiveUntil;
    if (r.creditAmount !== undefined) credit.creditAmount = r.creditAmount;
    credit.priority = r.priority;
    credit.status = r.status;
    credit.applicableEntityIds = r.applicableEntityIds === NO_ENTITIES ? [] : r.applicableEntityIds;
    const extra = r.extra;
    if (extra !== undefined) {
      if (extra.grantorId !== undefined) credit.grantorId = extra.grantorId;
      if (extra.idempotencyKey !== undefined) credit.idempotencyKey = extra.idempotencyKey;
    }
    credit.creditUnit = r.creditUnit;
    credit.holdAmount = r.holdAmount;
    credit.consumedAmount = r.consumedAmount;
    credit.createdAt = iso(this.times.createdAt(r.seq));
    credit.updatedAt = iso(this.times.updatedAt(r.seq));
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
  return sub(sub(r.creditAmount ?? 0, r.consumedAmount), r.holdAmount);
}

/**
 * Empty or absent applicableEntityIds means every entity. The two special
 * values match every entity too: the fake does not know which kind of rate
 * card an entity id names.
 */
function appliesTo(r: CreditRecord, entityId: string): boolean {
  const ids = r.applicableEntityIds;
  return ids.length === 0 || ids.includes(entityId) || ids.some((id) => WILDCARD_ENTITIES.has(id));
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
