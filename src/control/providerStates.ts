// Pact provider states on the mock: POST /_mock/provider-states
// {state, params, action}. Setup puts one tenant's ledger into the named
// state; teardown undoes exactly what that setup changed. The request and
// response shapes (and the state names) are in spec/togai-mock-control.yaml,
// the vocabulary in spec/provider-states.ts; this file holds what each state
// means.
//
// The endpoint speaks Pact's own state-change protocol (the body Pact's
// verifiers POST to a `providerStatesSetupUrl`, answered with the values to
// inject into the request), so verifiers in any language can use it directly.
//
// Undo works on ledger snapshots rather than per-state inverse operations:
// setup records the before-image of every account and credit it touched, and
// teardown puts those back (or removes what did not exist before). That keeps
// each state a few lines of ordinary ledger calls, and also cleans up what the
// interaction itself did to state-made data (a credit voided by the request
// under test disappears with the state that granted it).

import { utcDate } from '../domain/dates.js';
import type { LedgerSnapshot } from '../domain/ledger-snapshot.js';
import { MockError, invalid } from '../domain/errors.js';
import {
  STATE_CREDIT_DEFAULTS,
  type ProviderStateName,
  type ProviderStateParams,
  type ProviderStateRequest,
  type ProviderStateValues,
} from '../spec/provider-states.js';
import type { CreditRequest } from '../spec/types.js';
import type { Tenant } from '../store/store.js';

type CreditSnap = LedgerSnapshot['credits'][number];
type AccountSnap = LedgerSnapshot['accounts'][number];
type HoldSnap = LedgerSnapshot['holds'][number];

/** What one setup changed: before-images (null = did not exist). */
interface Undo {
  credits: Map<string, CreditSnap | null>;
  accounts: Map<string, AccountSnap | null>;
  /** Holds of the touched credits before setup. */
  holds: HoldSnap[];
}

// Keyed by the tenant object: a reset or restored store makes new tenants, and
// the undo records of the old ones are dropped with them.
const pending = new WeakMap<Tenant, Array<{ key: string; undo: Undo }>>();

const keyOf = (state: string, params: ProviderStateParams): string =>
  `${state}\u0000${JSON.stringify(Object.entries(params).sort(([a], [b]) => a.localeCompare(b)))}`;

function need<K extends keyof ProviderStateParams>(
  state: ProviderStateName,
  params: ProviderStateParams,
  name: K,
): NonNullable<ProviderStateParams[K]> {
  const v = params[name];
  if (v === undefined) throw invalid(`provider state '${state}' needs params.${name}`);
  return v as NonNullable<ProviderStateParams[K]>;
}

/** Applies one state to a tenant's ledger; returns the values to inject. */
function apply(tenant: Tenant, state: ProviderStateName, params: ProviderStateParams): ProviderStateValues {
  const { ledger, clock } = tenant;
  const now = clock.now();
  const ensureAccount = (accountId: string): void => {
    if (!ledger.getAccount(accountId)) ledger.createAccount({ accountId }, now);
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
        throw invalid(`provider state '${state}': could only consume ${amount - result.unmet} of ${amount} on ${accountId}`);
      }
      return { accountId, amount };
    }
    case 'no credit exists': {
      const creditId = need(state, params, 'creditId');
      if (ledger.has(creditId)) {
        const snap = ledger.snapshot();
        ledger.restore({
          ...snap,
          credits: snap.credits.filter((c) => c.id !== creditId),
          holds: snap.holds.filter((h) => h.creditId !== creditId),
        });
      }
      return { creditId };
    }
  }
}

/** Compares two snapshots and keeps the before-image of whatever changed. */
function diff(before: LedgerSnapshot, after: LedgerSnapshot): Undo {
  const undo: Undo = { credits: new Map(), accounts: new Map(), holds: [] };
  const track = <T extends { id: string }>(a: T[], b: T[], into: Map<string, T | null>): void => {
    const old = new Map(a.map((x) => [x.id, x]));
    const now = new Map(b.map((x) => [x.id, x]));
    for (const [id, x] of now) {
      const prev = old.get(id);
      if (prev === undefined) into.set(id, null);
      else if (JSON.stringify(prev) !== JSON.stringify(x)) into.set(id, prev);
    }
    for (const [id, prev] of old) if (!now.has(id)) into.set(id, prev);
  };
  track(before.credits, after.credits, undo.credits);
  track(before.accounts, after.accounts, undo.accounts);
  undo.holds = before.holds.filter((h) => undo.credits.has(h.creditId));
  return undo;
}

/** Puts the before-images back into the current ledger contents. */
function revert(tenant: Tenant, undo: Undo): void {
  const snap = tenant.ledger.snapshot();
  const droppedAccounts = new Set([...undo.accounts].filter(([, prev]) => prev === null).map(([id]) => id));
  const accounts = snap.accounts
    .filter((a) => !droppedAccounts.has(a.id))
    .map((a) => undo.accounts.get(a.id) ?? a);
  for (const [id, prev] of undo.accounts) if (prev && !snap.accounts.some((a) => a.id === id)) accounts.push(prev);

  // Credits the setup made go; so does anything on an account the setup made
  // (the interaction may have granted there), or the restore would orphan it.
  const credits: CreditSnap[] = [];
  for (const c of snap.credits) {
    if (droppedAccounts.has(c.request.accountId)) continue;
    if (!undo.credits.has(c.id)) credits.push(c);
    else {
      const prev = undo.credits.get(c.id);
      if (prev) credits.push(prev);
    }
  }
  for (const [id, prev] of undo.credits) if (prev && !snap.credits.some((c) => c.id === id)) credits.push(prev);

  const kept = new Set(credits.map((c) => c.id));
  const holds = [
    ...snap.holds.filter((h) => kept.has(h.creditId) && !undo.credits.has(h.creditId)),
    ...undo.holds.filter((h) => kept.has(h.creditId)),
  ];
  tenant.ledger.restore({ accounts, credits, holds });
}

/**
 * Undoes the setup recorded under `key` and every setup made after it, newest
 * first. Setups stack (an interaction may have several states, and Pact tears
 * them down in setup order), so undoing one state must not bring back data a
 * later state changed; the later records are consumed with it.
 */
function unwind(tenant: Tenant, key: string): void {
  const records = pending.get(tenant);
  const at = records?.findIndex((r) => r.key === key) ?? -1;
  if (!records || at < 0) return;
  for (let i = records.length - 1; i >= at; i--) revert(tenant, records[i]!.undo);
  records.splice(at);
}

/** Sets up a state in a tenant and remembers how to undo it. */
export function setupProviderState(tenant: Tenant, state: ProviderStateName, params: ProviderStateParams): ProviderStateValues {
  const key = keyOf(state, params);
  // A setup that was never torn down (an aborted verification) is undone
  // first, so repeating a setup always lands in the same state.
  unwind(tenant, key);
  let records = pending.get(tenant);
  if (!records) pending.set(tenant, (records = []));
  const before = tenant.ledger.snapshot();
  let values: ProviderStateValues;
  try {
    values = apply(tenant, state, params);
  } catch (err) {
    // All or nothing: a state that fails half-way leaves no trace.
    tenant.ledger.restore(before);
    throw err;
  }
  records.push({ key, undo: diff(before, tenant.ledger.snapshot()) });
  return values;
}

/** Undoes the setup of the same state and params; nothing to undo is fine. */
export function teardownProviderState(tenant: Tenant, state: ProviderStateName, params: ProviderStateParams): void {
  unwind(tenant, keyOf(state, params));
}
