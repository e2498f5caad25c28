// Pact provider states on a tenant's ledger, directory and events
// (POST /_mock/provider-states). Setup puts them into the named state;
// teardown undoes exactly what that setup changed. The request and response
// shapes (and the state names) are in spec/togai-mock-control.yaml, the
// vocabulary in spec/provider-states.ts; this file holds what each state
// means.
//
// Undo is plain JSON, kept with the tenant in snapshots, so a teardown works
// after a restart or on another process that loaded the same state:
// - the ledger's change capture (undo.ts): setup records the before-image of
//   every account and credit it touches and what it creates, and teardown
//   reverts that, which also cleans up what the interaction did to
//   state-made data (a credit voided by the request under test disappears
//   with the state that granted it);
// - the directory's and the events' marks: how many customers, accounts and
//   events there were before the setup. Teardown removes the ones made since
//   (by the state or by the interaction: a customer created by the request
//   under test goes too, so the same pact verifies again on the same mock),
//   with their ledger accounts, and puts back the wallets of older accounts
//   that the setup topped up.
// Nothing is copied: a setup costs what it touches, however big the tenant.

import {
  STATE_CREDIT_DEFAULTS,
  STATE_EVENT_SCHEMA,
  STATE_WALLET_BALANCE,
  type ProviderStateName,
  type ProviderStateParams,
  type ProviderStateValues,
} from '../spec/provider-states.js';
import type { components } from '../spec/control-types.gen.js';
import type { CreditRequest } from '../spec/types.js';
import { utcDate } from './dates.js';
import { MockError, invalid } from './errors.js';
import type { Directory, DirectoryUndo } from './directory/directory.js';
import type { EventStore } from './events/event-store.js';
import { Ledger } from './ledger.js';

/**
 * The parts of a tenant a state works on. A bare ledger (no directory, no
 * events) takes the credit states only, as before accounts had a customer.
 */
export interface StateParts {
  ledger: Ledger;
  directory?: Directory | undefined;
  events?: EventStore | undefined;
}

const partsOf = (target: Ledger | StateParts): StateParts => (target instanceof Ledger ? { ledger: target } : target);

/** One setup not yet torn down: its state and params (as a key) and how to undo it (a LedgerUndo). */
type PendingSetup = NonNullable<components['schemas']['TenantSnapshot']['providerStates']>[number];

/** The key of a state with its params; params in name order, so their order in the request does not matter. */
const keyOf = (state: string, params: ProviderStateParams): string =>
  `${state}\u0000${JSON.stringify(Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))}`;

/**
 * The setups of one ledger that are not torn down yet, oldest first. Setups
 * stack (an interaction may have several states, and Pact tears them down in
 * setup order), so undoing one state must not bring back data a later state
 * changed: teardown unwinds that state and every later one, newest first.
 */
export class ProviderStateStack {
  private readonly pending: PendingSetup[];

  constructor(pending: PendingSetup[] = []) {
    this.pending = pending;
  }

  get size(): number {
    return this.pending.length;
  }

  /**
   * Sets up a state at `now` and remembers how to undo it; returns the
   * values to inject. A setup that was never torn down (an aborted
   * verification) is undone first, so repeating a setup always lands in the
   * same state. A setup that fails leaves the stack as it was (that earlier
   * setup included); run it in Ledger.atomically, as the state machine runs
   * every command, and the ledger is left as it was too.
   */
  setup(
    target: Ledger | StateParts,
    now: number,
    state: ProviderStateName,
    params: ProviderStateParams,
  ): ProviderStateValues {
    const parts = partsOf(target);
    const { ledger, directory, events } = parts;
    const key = keyOf(state, params);
    ledger.settle(now);
    const unwound = this.unwind(parts, key);
    const mark = directory?.mark();
    const eventsBefore = events?.size;
    const wallets: DirectoryUndo['wallets'] = [];
    ledger.beginCapture(); // this state's own changes, for teardown
    let values: ProviderStateValues;
    try {
      values = applyState(parts, now, state, params, wallets);
    } catch (err) {
      ledger.endCapture();
      // The stack as it was; the changes (the unwinding too) are taken back by the command's atomically.
      this.pending.push(...unwound);
      throw err;
    }
    const entry: PendingSetup = { key, undo: ledger.endCapture() };
    if (directory && mark) {
      entry.directory = {
        customers: mark.customers,
        accounts: mark.accounts,
        wallets,
        ids: { before: mark.ids, after: directory.idState },
      };
    }
    if (eventsBefore !== undefined) entry.events = eventsBefore;
    this.pending.push(entry);
    return values;
  }

  /** Undoes the setup of the same state and params (and every later one); nothing to undo is fine. */
  teardown(target: Ledger | StateParts, state: ProviderStateName, params: ProviderStateParams): void {
    this.unwind(partsOf(target), keyOf(state, params));
  }

  /** Undoes the setup under `key` and every later one, newest first; returns what it undid. */
  private unwind({ ledger, directory, events }: StateParts, key: string): PendingSetup[] {
    const at = this.pending.findIndex((p) => p.key === key);
    if (at < 0) return [];
    for (let i = this.pending.length - 1; i >= at; i--) {
      const p = this.pending[i]!;
      ledger.revert(p.undo);
      if (p.directory && directory) {
        // Accounts made since the setup leave the ledger with the directory: every account is in both.
        for (const id of directory.rewind(p.directory as DirectoryUndo)) ledger.removeAccount(id);
      }
      if (p.events !== undefined && events) events.truncate(p.events);
    }
    return this.pending.splice(at);
  }

  /** The pending setups, oldest first (a copy of the list: a snapshot taken now stays as it is). */
  toJSON(): PendingSetup[] {
    return [...this.pending];
  }

  /** A stack from toJSON()'s output (as the TenantSnapshot schema's `providerStates` checks it). */
  static fromJSON(json: unknown): ProviderStateStack {
    if (json === undefined || json === null) return new ProviderStateStack();
    if (
      !Array.isArray(json) ||
      !json.every((p) => typeof p?.key === 'string' && typeof p?.undo === 'object' && p.undo !== null)
    ) {
      throw invalid('snapshot: providerStates must be a list of {key, undo}');
    }
    return new ProviderStateStack(structuredClone(json as PendingSetup[]));
  }
}

function need<K extends keyof ProviderStateParams>(
  state: ProviderStateName,
  params: ProviderStateParams,
  name: K,
): NonNullable<ProviderStateParams[K]> {
  const v = params[name];
  if (v === undefined) throw invalid(`provider state '${state}' needs params.${name}`);
  return v as NonNullable<ProviderStateParams[K]>;
}

/** Puts the tenant's parts into one state at `now`; returns the values to inject. */
function applyState(
  { ledger, directory, events }: StateParts,
  now: number,
  state: ProviderStateName,
  params: ProviderStateParams,
  wallets: DirectoryUndo['wallets'],
): ProviderStateValues {
  const needDirectory = (): Directory => {
    if (!directory) throw invalid(`provider state '${state}' needs the tenant's directory`);
    return directory;
  };
  /** The account, in the directory (with its customer) and the ledger alike; made when missing. */
  const ensureAccount = (accountId: string): void => {
    if (!directory) {
      if (!ledger.getAccount(accountId)) ledger.createAccount({ accountId }, now);
      return;
    }
    let a = directory.account(accountId);
    if (!a) {
      const inLedger = ledger.getAccount(accountId);
      a = directory.adoptAccount(
        accountId,
        params.customerId ?? inLedger?.customerId ?? accountId,
        params.invoiceCurrency ?? inLedger?.currency ?? directory.defaultCurrency,
        now,
      );
    }
    if (a.status === 'ARCHIVED') {
      throw new MockError(
        'conflict',
        `provider state '${state}': account ${accountId} is ARCHIVED (deleted); use a fresh accountId or reset the mock`,
      );
    }
    if (params.customerId !== undefined && a.customerId !== params.customerId) {
      throw new MockError(
        'conflict',
        `provider state '${state}': account ${accountId} belongs to customer ${a.customerId}, not ${params.customerId}`,
      );
    }
    if (!ledger.getAccount(accountId)) {
      ledger.createAccount({ accountId, customerId: a.customerId, currency: a.invoiceCurrency }, now);
    }
  };
  const grantActive = (accountId: string, creditId: string): void => {
    if (ledger.has(creditId)) {
      const existing = ledger.getCredit(creditId, now);
      throw new MockError(
        'conflict',
        `provider state '${state}': credit ${creditId} already exists (${existing.status}, account ${existing.accountId}); ` +
          `use a fresh creditId or reset the mock`,
      );
    }
    const request: CreditRequest = {
      accountId,
      purpose: STATE_CREDIT_DEFAULTS.purpose,
      effectiveFrom: params.effectiveFrom ?? utcDate(now),
      creditAmount: params.creditAmount ?? STATE_CREDIT_DEFAULTS.creditAmount,
      priority: params.priority ?? STATE_CREDIT_DEFAULTS.priority,
    };
    if (params.effectiveUntil !== undefined) request.effectiveUntil = params.effectiveUntil;
    ensureAccount(accountId);
    const [credit] = ledger.grant([request], now, [creditId]);
    if (credit!.status !== 'ACTIVE') {
      throw invalid(
        `provider state '${state}': credit ${creditId} would be ${credit!.status} at the mock's time ${new Date(now).toISOString()} ` +
          `(effectiveUntil ${params.effectiveUntil} has passed)`,
      );
    }
  };

  switch (state) {
    case 'an account exists': {
      const accountId = need(state, params, 'accountId');
      ensureAccount(accountId);
      return { accountId };
    }
    case 'an account has an active credit': {
      const accountId = need(state, params, 'accountId');
      const creditId = need(state, params, 'creditId');
      grantActive(accountId, creditId);
      return { accountId, creditId };
    }
    case 'a credit is voided': {
      const accountId = need(state, params, 'accountId');
      const creditId = need(state, params, 'creditId');
      grantActive(accountId, creditId);
      ledger.void(creditId, now);
      return { accountId, creditId };
    }
    case 'an account has consumed credits': {
      const accountId = need(state, params, 'accountId');
      const amount = need(state, params, 'amount');
      if (!(amount > 0)) throw invalid(`provider state '${state}': params.amount must be greater than 0`);
      ensureAccount(accountId);
      // Consumption needs something to draw from: top the account up with a
      // state credit covering what its spendable balance lacks.
      const spendable = ledger.balance(accountId, now).runningBalance;
      if (spendable < amount) {
        ledger.grant(
          [
            {
              accountId,
              purpose: STATE_CREDIT_DEFAULTS.purpose,
              effectiveFrom: utcDate(now),
              creditAmount: amount - Math.max(spendable, 0),
              priority: params.priority ?? STATE_CREDIT_DEFAULTS.priority,
            },
          ],
          now,
        );
      }
      const result = ledger.consume(accountId, { amount }, now);
      if (result.unmet > 0) {
        // Only credits not yet in effect or entity-bound remain; say so rather than half-apply.
        throw invalid(
          `provider state '${state}': could only consume ${amount - result.unmet} of ${amount} on ${accountId}`,
        );
      }
      return { accountId, amount };
    }
    case 'no credit exists': {
      const creditId = need(state, params, 'creditId');
      ledger.removeCredit(creditId);
      return { creditId };
    }
    case 'a customer exists': {
      const dir = needDirectory();
      const customerId = need(state, params, 'customerId');
      let customer = dir.customer(customerId);
      if (!customer) {
        customer = dir.createCustomer(
          { id: customerId, name: `Customer ${customerId}`, primaryEmail: `${customerId}@example.com`, address: {} },
          now,
        ).customer;
      }
      if (customer.status === 'ARCHIVED') {
        throw new MockError(
          'conflict',
          `provider state '${state}': customer ${customerId} is ARCHIVED (deleted); use a fresh customerId or reset the mock`,
        );
      }
      const values: ProviderStateValues = { customerId, togaiCustomerId: customer.togaiCustomerId };
      if (params.accountId !== undefined) {
        ensureAccount(params.accountId); // of this customer (params.customerId), or a conflict
        values.accountId = params.accountId;
      }
      return values;
    }
    case 'an account has a wallet balance': {
      const dir = needDirectory();
      const accountId = need(state, params, 'accountId');
      const balance = params.balance ?? STATE_WALLET_BALANCE;
      if (!(balance > 0)) throw invalid(`provider state '${state}': params.balance must be greater than 0`);
      const older = dir.account(accountId);
      ensureAccount(accountId);
      const wallet = dir.account(accountId)!.wallet;
      if (wallet.balance < balance) {
        // An account older than the setup gets its wallet back on teardown.
        if (older) wallets.push({ accountId, wallet: structuredClone(wallet) });
        dir.topUp(accountId, balance - wallet.balance, now);
      }
      return { accountId, balance: dir.account(accountId)!.wallet.balance };
    }
    case 'an event was ingested': {
      const dir = needDirectory();
      if (!events) throw invalid(`provider state '${state}' needs the tenant's events`);
      const accountId = need(state, params, 'accountId');
      const eventId = need(state, params, 'eventId');
      const schemaName = params.schemaName ?? STATE_EVENT_SCHEMA;
      ensureAccount(accountId);
      const [outcome] = events.ingest(
        [
          {
            id: eventId,
            accountId,
            schemaName,
            timestamp: params.timestamp ?? new Date(now).toISOString(),
            attributes: [],
            dimensions: {},
          },
        ],
        now,
        dir,
      );
      if (outcome!.status !== 'INGESTION_COMPLETED_NO_MATCHING_METERS') {
        throw new MockError(
          outcome!.status === 'INGESTION_FAILED_DUPLICATE_EVENT' ? 'conflict' : 'invalid',
          `provider state '${state}': event ${eventId} would be ${outcome!.status} at the mock's time ${new Date(now).toISOString()}` +
            (outcome!.status === 'INGESTION_FAILED_DUPLICATE_EVENT' ? '; use a fresh eventId or reset the mock' : ''),
        );
      }
      return { accountId, eventId, schemaName };
    }
  }
}
