// Provider states on a ledger (domain/provider-states.ts): setup then
// teardown leaves the ledger equal to before, for every state and for
// stacked states, through change capture alone (snapshot() and restore()
// are never called); a failing setup leaves no trace; the stack of pending
// setups survives JSON and works on a ledger restored from a snapshot.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { Ledger } from '../../src/domain/ledger.js';
import { ProviderStateStack } from '../../src/domain/provider-states.js';
import {
  PROVIDER_STATE_NAMES,
  type ProviderStateName,
  type ProviderStateParams,
} from '../../src/spec/provider-states.js';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const LATER = Date.parse('2025-09-01T00:00:00Z');

/** A ledger with something in it: credits in and out of effect, an expired one, holds, a void. */
function busyLedger(): Ledger {
  const l = new Ledger({ seed: 21 });
  const base = { purpose: 'P', effectiveFrom: '2025-01-01', priority: 2 };
  const credits = l.grant(
    [
      { ...base, accountId: 'ACC-1', creditAmount: 300 },
      { ...base, accountId: 'ACC-1', creditAmount: 200, effectiveUntil: '2025-07-31' },
      { ...base, accountId: 'ACC-2', creditAmount: 50, effectiveUntil: '2025-03-01' },
      { ...base, accountId: 'ACC-2', creditAmount: 80, idempotencyKey: 'once' },
      { ...base, accountId: 'ACC-3', creditAmount: 70, effectiveFrom: '2025-12-01' },
    ],
    NOW,
  );
  l.consume('ACC-1', { amount: 120, hold: true, invoiceId: 'inv-9' }, NOW);
  l.consume('ACC-2', { amount: 10 }, NOW);
  l.void(credits[4]!.id, NOW);
  return l;
}

/** Params for each state on busyLedger(); the credit ids of states that grant one are fresh. */
function paramsFor(l: Ledger, state: ProviderStateName): ProviderStateParams {
  const existing = l.list({ pageSize: 2 }, NOW).credits[1]!.id;
  switch (state) {
    case 'an account exists':
      return { accountId: 'PS-NEW' };
    case 'an account has an active credit':
      return { accountId: 'ACC-1', creditId: 'cred.stateCredit.00001', creditAmount: 40 };
    case 'a credit is voided':
      return { accountId: 'PS-VOID', creditId: 'cred.stateCredit.00002' };
    case 'an account has consumed credits':
      return { accountId: 'ACC-1', amount: 700 };
    case 'no credit exists':
      return { creditId: existing };
  }
}

/** Spies that fail the test if the ledger is copied or replaced. */
function noCopies(l: Ledger) {
  return [vi.spyOn(l, 'snapshot'), vi.spyOn(l, 'restore')];
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('provider states on a ledger', () => {
  it.each(PROVIDER_STATE_NAMES)('%s: teardown leaves the ledger as before, without copying it', (state) => {
    const l = busyLedger();
    const stack = new ProviderStateStack();
    const before = l.snapshot();
    const params = paramsFor(l, state);
    const spies = noCopies(l);
    stack.setup(l, NOW, state, params);
    expect(stack.size).toBe(1);
    // The state is there, and an interaction reads it (and moves the clock on).
    expect(l.list({ pageSize: 50 }, LATER).credits.length).toBeGreaterThan(0);
    stack.teardown(l, state, params);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    vi.restoreAllMocks();
    expect(stack.size).toBe(0);
    // Settled at the interaction's time (as the next call does), it equals the ledger as it
    // was before, settled there too: what the read expired expires the same way on both.
    const untouched = new Ledger();
    untouched.restore(before);
    untouched.settle(LATER);
    l.settle(LATER);
    expect(l.snapshot()).toEqual(untouched.snapshot());
  });

  it('each state changes what it says', () => {
    const l = busyLedger();
    const stack = new ProviderStateStack();
    const gone = paramsFor(l, 'no credit exists').creditId!;
    expect(stack.setup(l, NOW, 'no credit exists', { creditId: gone })).toEqual({ creditId: gone });
    expect(l.has(gone)).toBe(false);
    expect(stack.setup(l, NOW, 'a credit is voided', paramsFor(l, 'a credit is voided'))).toEqual({
      accountId: 'PS-VOID',
      creditId: 'cred.stateCredit.00002',
    });
    expect(l.getCredit('cred.stateCredit.00002', NOW).status).toBe('VOIDED');
    stack.setup(l, NOW, 'an account has consumed credits', { accountId: 'ACC-1', amount: 700 });
    expect(l.balance('ACC-1', NOW)).toMatchObject({ availableBalance: 0 });
  });

  it('stacked states torn down in setup order (as Pact does) leave the ledger as before', () => {
    const l = busyLedger();
    const stack = new ProviderStateStack();
    const before = l.snapshot();
    const states = PROVIDER_STATE_NAMES.map((s) => [s, paramsFor(l, s)] as const);
    const spies = noCopies(l);
    for (const [s, p] of states) stack.setup(l, NOW, s, p);
    expect(stack.size).toBe(states.length);
    l.consume('PS-NEW', { amount: 1 }, NOW); // the interaction: an account the first state made
    for (const [s, p] of states) stack.teardown(l, s, p);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    vi.restoreAllMocks();
    expect(stack.size).toBe(0);
    expect(l.snapshot()).toEqual(before);
  });

  // Run as the state machine runs every command: in Ledger.atomically.
  it('a failing setup leaves no trace, also when it repeats a pending setup it had to undo first', () => {
    const l = busyLedger();
    const stack = new ProviderStateStack();
    const credit = {
      accountId: 'ACC-9',
      creditId: 'cred.stateCredit.00009',
      effectiveFrom: '2025-05-01',
      effectiveUntil: '2025-07-01',
    };
    stack.setup(l, NOW, 'an account has an active credit', credit);
    // A setup settles the ledger at its time first (that is no part of the setup): do it here.
    const later = NOW + 60 * 86_400_000;
    l.settle(later);
    const before = l.snapshot();
    const spies = noCopies(l);
    // Taken id: refused after the account was made.
    expect(() =>
      l.atomically(() =>
        stack.setup(l, NOW, 'a credit is voided', { accountId: 'ACC-NEW', creditId: credit.creditId }),
      ),
    ).toThrow(/already exists/);
    // The same state again, at a time its credit could not be ACTIVE: its earlier setup comes back too.
    expect(() => l.atomically(() => stack.setup(l, later, 'an account has an active credit', credit))).toThrow(
      /would be EXPIRED/,
    );
    expect(() =>
      stack.setup(l, NOW, 'an account has consumed credits', { accountId: 'ACC-3', amount: 5 }),
    ).not.toThrow();
    expect(() =>
      l.atomically(() => stack.setup(l, NOW, 'an account has consumed credits', { accountId: 'ACC-3', amount: 0 })),
    ).toThrow(/greater than 0/);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    vi.restoreAllMocks();
    stack.teardown(l, 'an account has consumed credits', { accountId: 'ACC-3', amount: 5 });
    expect(stack.size).toBe(1);
    expect(l.snapshot()).toEqual(before);
    expect(l.getAccount('ACC-NEW')).toBeUndefined();
  });

  it('repeating a setup undoes the pending one first and lands in the same state', () => {
    const l = busyLedger();
    const stack = new ProviderStateStack();
    const params = { accountId: 'ACC-2', amount: 30 };
    stack.setup(l, NOW, 'an account has consumed credits', params);
    const once = l.snapshot();
    stack.setup(l, NOW, 'an account has consumed credits', params);
    expect(stack.size).toBe(1);
    expect(l.snapshot()).toEqual(once);
  });

  it('keeps its pending setups through JSON: a ledger restored from a snapshot tears them down alike', () => {
    const l = busyLedger();
    const stack = new ProviderStateStack();
    const before = l.snapshot();
    const states = PROVIDER_STATE_NAMES.map((s) => [s, paramsFor(l, s)] as const);
    for (const [s, p] of states) stack.setup(l, NOW, s, p);
    const copy = new Ledger();
    copy.restore(JSON.parse(JSON.stringify(l.snapshot())));
    const copyStack = ProviderStateStack.fromJSON(JSON.parse(JSON.stringify(stack.toJSON())));
    expect(copyStack.size).toBe(states.length);
    for (const [s, p] of states) copyStack.teardown(copy, s, p);
    expect(copy.snapshot()).toEqual(before);
    expect(() => ProviderStateStack.fromJSON([{ key: 1 }])).toThrow(/providerStates/);
    expect(ProviderStateStack.fromJSON(undefined).size).toBe(0);
  });
});
