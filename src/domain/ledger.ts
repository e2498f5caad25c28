// The credit ledger of one tenant: accounts, credits, their transactions and
// holds, and every rule of Togai's credits as the fake implements them (grant, idempotency, expiry,
// consumption, holds, void, balance, listing order).
//
// Pure TypeScript: no HTTP, no I/O, no wall clock. Every method takes `now`
// (epoch ms). A change first brings the lifecycle up to its `now` (settle:
// expiries due are written), so a moved clock is honoured by whichever change
// comes next. All methods are synchronous: a call either completes or throws,
// and concurrent HTTP requests (which Node runs one at a time through here)
// cannot interleave inside one.
//
// Reads write nothing. A credit whose window has closed by the reader's `now`
// but that no change has settled yet is shown as its expiry will be written
// (expiredAt): EXPIRED, holds released, the derived EXPIRED transaction, out
// of the balance. An expiry is a function of the credit alone (its time is the
// credit's, its transaction id derived from the credit's), so what a read
// shows is exactly what the next change at or after that time writes. Reads
// at any moment therefore leave every process's ledger the same, whatever
// the order of a read and a change stamped before it (docs/determinism.md).
//
// Deterministic: the same changes with the same `now`s give the same state
// in any process. Ids come from a seeded generator whose state is part of the
// ledger's (snapshot().idState).
//
// All or nothing: atomically(fn) takes back whatever `fn` changed if it
// throws (a capture of changes, see ledger-state.ts and undo.ts), at the cost
// of what it touched, never of the ledger's size.
//
// This file holds the rules. Storage is compact on purpose (a
// million credits must fit in a few hundred MB): a credit is one fixed-shape
// record with no copy of its grant request (records.ts), its timestamps and
// CREDITED transaction id live in side arrays by seq (credit-table.ts,
// compact.ts). The balance sums are in balance.ts, the spec's shapes in
// api-shapes.ts, and the full, documented snapshot shape in ledger-snapshot.ts.

import type { components, operations } from '../spec/control-types.gen.js';
import type {
  Credit,
  CreditBalanceResponse,
  CreditDetailsResponse,
  CreditRequest,
  CreditStatus,
  TransactionType,
} from '../spec/types.js';
import { toCredit, toCreditDetails, toExpired } from './api-shapes.js';
import { balanceOf, emptyBalance } from './balance.js';
import { firstAfter } from './credit-table.js';
import { MockError, invalid, notFound } from './errors.js';
import { expiredTransactionId } from './ids.js';
import { LedgerState, idempotencyKeyOf, type CachedBalance } from './ledger-state.js';
import { add, min, sub } from './money.js';
import {
  type AccountRecord,
  type CreditExtra,
  type CreditRecord,
  type HoldRecord,
  type TransactionRecord,
} from './records.js';
import { checkFiniteTotals } from './totals.js';

export type { LedgerUndo } from './undo.js';

/** Special applicableEntityIds values that match every entity of a kind. */
const WILDCARD_ENTITIES = new Set(['ALL_USAGE_METER_RATE_CARDS', 'ALL_FIXED_FEE_RATE_CARDS']);

export interface LedgerOptions {
  /** Currency of accounts created implicitly or without one. Default USD. */
  defaultCurrency?: string;
  /** When true, accounts must exist before credits are granted to them. */
  strictAccounts?: boolean;
  /**
   * Seed of the id generator (uint32). Default 0, so ledgers made without one
   * all make the same ids; the store gives every tenant its own.
   */
  seed?: number;
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

// The control API's shapes, as spec/togai-mock-control.yaml defines them.
type ControlSchemas = components['schemas'];
export type AccountInput = ControlSchemas['AccountInput'];
export type ConsumeInput = operations['consume']['requestBody']['content']['application/json'];
export type ConsumeResult = ControlSchemas['ConsumeResult'];
export type Draw = ConsumeResult['drawn'][number];
export type HoldSelector = components['requestBodies']['HoldSelector']['content']['application/json'];
export type HoldOutcome = components['responses']['HoldOutcome']['content']['application/json'];

export class Ledger extends LedgerState {
  private readonly defaultCurrency: string;
  readonly strictAccounts: boolean;

  constructor(options: LedgerOptions = {}) {
    super(options.seed ?? 0);
    this.defaultCurrency = options.defaultCurrency ?? 'USD';
    this.strictAccounts = options.strictAccounts ?? false;
  }

  // ---------------------------------------------------------------- accounts

  createAccount(input: AccountInput, now: number): AccountRecord {
    this.settle(now);
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
    this.accounts.add(account);
    for (const c of this.captures) c.accountCreated(account.id);
    this.changes++;
    return account;
  }

  /** Whether the account holds any credit (its currency then counts them). */
  hasCredits(accountId: string): boolean {
    return (this.accounts.get(accountId)?.credits.length ?? 0) > 0;
  }

  /** Changes the currency of an account that holds no credit yet (its new credits take it). */
  setCurrency(accountId: string, currency: string, now: number): void {
    const account = this.accounts.get(accountId);
    if (!account) throw notFound(`Account ${accountId} does not exist`);
    if (account.credits.length > 0) throw invalid(`Account ${accountId} holds credits in ${account.currency}`);
    for (const c of this.captures) c.account(account);
    account.currency = currency;
    account.updatedAt = Math.max(account.updatedAt, now);
    this.changes++;
  }

  // ------------------------------------------------------------------ grant

  /**
   * Grants one credit per request, all or nothing. `ids` optionally fixes the
   * id of each new credit (provider states and fixtures need known ids).
   */
  grant(requests: CreditRequest[], now: number, ids?: Array<string | undefined>): Credit[] {
    this.settle(now);
    this.checkGrant(requests, ids);
    return requests.map((r, i) => toCredit(this.grantOne(r, now, ids?.[i]), this.credits.times));
  }

  /**
   * Throws what grant() would refuse `requests` for, changing nothing.
   * `newAccounts` are taken to exist already (fixtures create them first).
   */
  checkGrant(requests: CreditRequest[], ids?: Array<string | undefined>, newAccounts?: ReadonlySet<string>): void {
    // Validate everything first: a bad request anywhere stores nothing.
    const seenIds = new Set<string>();
    requests.forEach((r, i) => {
      const at = `creditRequests[${i}]`;
      if (r.creditAmount !== undefined && r.creditAmount < 0) {
        throw invalid(`${at}.creditAmount must not be negative`);
      }
      if (r.effectiveUntil !== undefined && r.effectiveUntil < r.effectiveFrom) {
        throw invalid(
          `${at}.effectiveUntil (${r.effectiveUntil}) must not be before effectiveFrom (${r.effectiveFrom})`,
        );
      }
      if (this.strictAccounts && !this.accounts.has(r.accountId) && !newAccounts?.has(r.accountId)) {
        throw notFound(`${at}.accountId: account ${r.accountId} does not exist`);
      }
      const wanted = ids?.[i];
      if (wanted !== undefined) {
        if (this.credits.has(wanted) || seenIds.has(wanted)) {
          throw new MockError('conflict', `${at}: a credit with id ${wanted} already exists`);
        }
        seenIds.add(wanted);
      }
    });
    // Also for seed, fixtures and provider states, not only the HTTP grant.
    checkFiniteTotals(requests, (accountId) => this.accounts.get(accountId)?.credits ?? []);
  }

  private grantOne(request: CreditRequest, now: number, wantedId: string | undefined): CreditRecord {
    const key =
      request.idempotencyKey === undefined ? undefined : idempotencyKeyOf(request.accountId, request.idempotencyKey);
    if (key !== undefined) {
      const earlier = this.idempotency.get(key);
      if (earlier) return earlier;
    }
    const account = this.accounts.get(request.accountId) ?? this.createAccount({ accountId: request.accountId }, now);
    let id = wantedId ?? this.ids.credit();
    while (this.credits.has(id)) id = this.ids.credit();
    const txId = this.ids.transaction();
    let extra: CreditExtra | undefined;
    if (request.grantorId !== undefined || request.idempotencyKey !== undefined) {
      extra = {};
      if (request.grantorId !== undefined) extra.grantorId = this.credits.intern(request.grantorId);
      if (request.idempotencyKey !== undefined) extra.idempotencyKey = request.idempotencyKey;
    }
    for (const c of this.captures) c.account(account);
    const record = this.credits.add(id, account, request, extra, now, now, txId);
    for (const c of this.captures) c.creditCreated(id);
    this.track(record);
    if (key !== undefined) this.idempotency.set(key, record);
    account.updatedAt = Math.max(account.updatedAt, now);
    // A credit granted with a window that has already closed expires at once.
    this.settle(now);
    return record;
  }

  private addTransaction(
    record: CreditRecord,
    type: TransactionType,
    amount: number,
    at: number,
    extra?: { invoiceId?: string | undefined; entityId?: string | undefined },
    id: string = this.ids.transaction(),
  ): TransactionRecord {
    const tx: TransactionRecord = { id, type, amount, createdAt: at };
    if (extra?.invoiceId !== undefined) tx.invoiceId = extra.invoiceId;
    if (extra?.entityId !== undefined) tx.entityId = extra.entityId;
    this.credits.addTransaction(record, tx);
    return tx;
  }

  /** Every change to a stored credit passes here (consumption, holds, expiry, void). */
  private touch(r: CreditRecord, at: number): void {
    this.changes++;
    this.credits.touch(r, at);
  }

  // -------------------------------------------------------------- lifecycle

  /** Expires every ACTIVE credit whose effectiveUntil has passed by `now`. */
  settle(now: number): void {
    for (;;) {
      const due = this.expiries.peekKey();
      if (due === undefined || due > now) return;
      const record = this.expiries.pop()!;
      // Also skips a credit removed since it was queued (a new one may hold its id now).
      if (record.status !== 'ACTIVE' || this.credits.get(record.id) !== record) continue;
      // The expiry happened when the window closed, not when it was noticed;
      // never before the credit existed, though (back-dated grants).
      const at = Math.max(record.untilMs, this.credits.createdAt(record));
      this.close(record, 'EXPIRED', at);
    }
  }

  /**
   * Ends an ACTIVE credit (expiry or void): its holds are released and what
   * was not consumed is written off in one transaction of the same type. An
   * expiry's transaction id is derived from the credit: it draws no id, so
   * whichever call notices the expiry first, the ledger ends up the same.
   */
  private close(record: CreditRecord, status: 'EXPIRED' | 'VOIDED', at: number): void {
    this.note(record);
    const account = record.account;
    this.dropHolds(account, record);
    const remainder = remainderOf(record);
    record.status = status;
    this.touch(record, at);
    this.addTransaction(
      record,
      status,
      remainder,
      at,
      undefined,
      status === 'EXPIRED' ? expiredTransactionId(record.id) : undefined,
    );
    account.updatedAt = Math.max(account.updatedAt, at);
  }

  private dropHolds(account: AccountRecord, record: CreditRecord): void {
    if (record.holdAmount === 0) return;
    account.holds = account.holds.filter((h) => h.creditId !== record.id);
    record.holdAmount = 0;
  }

  // ------------------------------------------------------------------ reads
  //
  // Reads show the ledger as of `now` without writing: an expiry due by then
  // and not yet settled is shown as settle() will write it (see expiredAt).

  /**
   * When an ACTIVE credit whose window has closed by `now` expired, as
   * settle() writes it (never before the credit existed: back-dated grants);
   * undefined while it has not. Exactly the credits settle(now) would pop.
   */
  private expiredAt(r: CreditRecord, now: number): number | undefined {
    if (r.status !== 'ACTIVE' || r.untilMs > now) return undefined;
    return Math.max(r.untilMs, this.credits.createdAt(r));
  }

  /** A stored credit in the API's shape as of `now`. */
  private creditAt(r: CreditRecord, now: number): Credit {
    const credit = toCredit(r, this.credits.times);
    // The common case (nothing due) costs two comparisons: listing pages call this per credit.
    if (r.status === 'ACTIVE' && r.untilMs <= now) toExpired(credit, this.expiredAt(r, now)!);
    return credit;
  }

  getCredit(id: string, now: number): Credit {
    return this.creditAt(this.mustFind(id), now);
  }

  getCreditDetails(id: string, now: number): CreditDetailsResponse {
    const record = this.mustFind(id);
    const at = this.expiredAt(record, now);
    const transactions = this.credits.transactionsOf(record);
    if (at === undefined) return toCreditDetails(record, this.credits.times, transactions);
    // The transaction close() will write, after every one the credit has (none can follow an expiry).
    const expiry: TransactionRecord = {
      id: expiredTransactionId(record.id),
      type: 'EXPIRED',
      amount: remainderOf(record),
      createdAt: at,
    };
    const details = toCreditDetails(record, this.credits.times, [...transactions, expiry]);
    toExpired(details, at);
    return details;
  }

  list(query: ListQuery, now: number): ListPage {
    const after = query.afterId === undefined ? undefined : this.credits.get(query.afterId);
    if (query.afterId !== undefined && !after) {
      throw invalid('nextToken refers to a credit that does not exist (was the mock reset?)');
    }
    // All credits by seq (with the empty slots of removed ones), or a dense list ascending by seq.
    let source: ReadonlyArray<CreditRecord | undefined>;
    let start = 0;
    if (query.id !== undefined || query.accountId !== undefined) {
      const one = query.id === undefined ? undefined : this.credits.get(query.id);
      const list = query.id !== undefined ? (one ? [one] : []) : (this.accounts.get(query.accountId!)?.credits ?? []);
      if (after) start = firstAfter(list, after.seq);
      source = list;
    } else {
      source = this.credits.all;
      if (after) start = after.seq + 1;
    }
    const page: CreditRecord[] = [];
    let more = false;
    const status = query.status;
    for (let i = start; i < source.length; i++) {
      const r = source[i];
      if (r === undefined) continue;
      if (status !== undefined) {
        // The status as of `now`: an ACTIVE credit past its window reads as EXPIRED.
        const due = r.status === 'ACTIVE' && r.untilMs <= now;
        if ((due ? 'EXPIRED' : r.status) !== status) continue;
      }
      if (query.accountId !== undefined && r.account.id !== query.accountId) continue;
      if (page.length === query.pageSize) {
        more = true;
        break;
      }
      page.push(r);
    }
    return {
      credits: page.map((r) => this.creditAt(r, now)),
      nextAfterId: more ? page[page.length - 1]!.id : undefined,
    };
  }

  /**
   * The account's balance at `now`. Polled often (a service checks it before
   * every billable action), so it is kept per account and reused while the
   * ledger is unchanged and `now` stays between the same credit boundaries
   * (effectiveFrom and effectiveUntil instants): within that span no credit
   * changes class, so the sums are the same. Without it a balance walks all
   * of the account's credits on every call. Credits expired by `now` count
   * as expired, settled or not (balanceOf), so the cache needs no expiry
   * written to stay right.
   */
  balance(accountId: string, now: number): CreditBalanceResponse {
    const account = this.accounts.get(accountId);
    if (!account) {
      if (this.strictAccounts) throw notFound(`Account ${accountId} does not exist`);
      return emptyBalance(this.defaultCurrency, now);
    }
    const cached = this.balances.get(accountId);
    if (cached !== undefined && cached.changes === this.changes && cached.from <= now && now < cached.until) {
      return { ...cached.balance };
    }
    const computed: CachedBalance = { changes: this.changes, ...balanceOf(account, now, this.credits.times) };
    // Bounded: a store with a great many polled accounts starts over rather than growing.
    if (this.balances.size >= 100_000) this.balances.clear();
    this.balances.set(accountId, computed);
    return { ...computed.balance };
  }

  // ------------------------------------------------------------------- void

  void(id: string, now: number): Credit {
    this.settle(now);
    const record = this.mustFind(id);
    if (record.status !== 'ACTIVE') {
      throw invalid(`Credit ${id} is ${record.status}; only an ACTIVE credit can be voided`);
    }
    this.close(record, 'VOIDED', now);
    return toCredit(record, this.credits.times);
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
    const times = this.credits.times;
    const createdAt = (r: CreditRecord): number => times.createdAt(r.seq);
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
      this.note(r);
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

  /** The account's holds as of `now`: an expiry not yet settled has released those on its credit. */
  listHolds(accountId: string, now: number): HoldRecord[] {
    const account = this.accounts.get(accountId);
    if (!account) throw notFound(`Account ${accountId} does not exist`);
    return account.holds.filter((h) => {
      const r = this.credits.get(h.creditId);
      return r === undefined || this.expiredAt(r, now) === undefined;
    });
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
      const r = this.credits.get(h.creditId)!;
      this.note(r);
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

  // ---------------------------------------------------------------- helpers

  private mustFind(id: string): CreditRecord {
    const record = this.credits.get(id);
    if (!record) throw notFound(`Credit ${id} does not exist`);
    return record;
  }
}

/** What an ending credit writes off: what was not consumed (held amounts are released first). */
function remainderOf(r: CreditRecord): number {
  return sub(r.creditAmount ?? 0, r.consumedAmount);
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
