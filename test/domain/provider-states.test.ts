// Provider states on a ledger (domain/provider-states.ts): setup then
// teardown leaves the ledger equal to before, for every state and for
// stacked states, through change capture alone (snapshot() and restore()
// are never called); a failing setup leaves no trace; the stack of pending
// setups survives JSON and works on a ledger restored from a snapshot.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { Directory } from '../../src/domain/directory/directory.js';
import { EventStore } from '../../src/domain/events/event-store.js';
import { Ledger } from '../../src/domain/ledger.js';
import { ProviderStateStack, type StateParts } from '../../src/domain/provider-states.js';
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

type Parts = Required<StateParts>;

/** busyLedger() in a tenant: every ledger account in the directory, a customer with an aliased account, events. */
function busyTenant(): Parts {
  const ledger = busyLedger();
  const directory = new Directory({ seed: 5 });
  for (const a of ledger.listAccounts()) directory.adoptAccount(a.id, a.customerId, a.currency, NOW);
  directory.createCustomer(
    {
      id: 'CUS-1',
      name: 'Customer one',
      primaryEmail: 'one@example.com',
      address: {},
      account: { id: 'ACC-D', name: 'Account D', invoiceCurrency: 'EUR', aliases: ['ride-d'] },
    },
    NOW,
  );
  ledger.createAccount({ accountId: 'ACC-D', customerId: 'CUS-1', currency: 'EUR' }, NOW);
  directory.topUp('ACC-D', 25, NOW);
  const events = new EventStore();
  events.ingest(
    [
      {
        id: 'ev-1',
        accountId: 'ride-d',
        schemaName: 'rides',
        timestamp: new Date(NOW).toISOString(),
        attributes: [],
        dimensions: {},
      },
    ],
    NOW,
    directory,
  );
  return { ledger, directory, events };
}

/** Everything a tenant's parts hold, as plain JSON. */
const imageOf = (t: Parts) => ({
  ledger: t.ledger.snapshot(),
  directory: t.directory.toJSON(),
  events: t.events.snapshot(),
});

/** As the state machine runs every command: all or nothing across the parts. */
const atomically = <T>(t: Parts, fn: () => T): T =>
  t.ledger.atomically(() => t.directory.atomically(() => t.events.atomically(fn)));

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
    case 'a customer exists':
      return { customerId: 'PS-CUS', accountId: 'PS-CUS-ACC', invoiceCurrency: 'INR' };
    case 'an account has a wallet balance':
      return { accountId: 'ACC-D', balance: 400 };
    case 'an event was ingested':
      return { accountId: 'ACC-2', eventId: 'ev-state-1' };
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
    const t = busyTenant();
    const l = t.ledger;
    const stack = new ProviderStateStack();
    const before = l.snapshot();
    const whole = imageOf(t);
    const params = paramsFor(l, state);
    const spies = noCopies(l);
    stack.setup(t, NOW, state, params);
    expect(stack.size).toBe(1);
    // The state is there, and an interaction reads it (and moves the clock on).
    expect(l.list({ pageSize: 50 }, LATER).credits.length).toBeGreaterThan(0);
    stack.teardown(t, state, params);
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
    // The directory (customers, accounts, wallets) and the events are as before too.
    expect(t.directory.toJSON()).toEqual(whole.directory);
    expect(t.events.snapshot()).toEqual(whole.events);
  });

  it('each state changes what it says', () => {
    const t = busyTenant();
    const l = t.ledger;
    const stack = new ProviderStateStack();
    const gone = paramsFor(l, 'no credit exists').creditId!;
    expect(stack.setup(t, NOW, 'no credit exists', { creditId: gone })).toEqual({ creditId: gone });
    expect(l.has(gone)).toBe(false);
    expect(stack.setup(t, NOW, 'a credit is voided', paramsFor(l, 'a credit is voided'))).toEqual({
      accountId: 'PS-VOID',
      creditId: 'cred.stateCredit.00002',
    });
    expect(l.getCredit('cred.stateCredit.00002', NOW).status).toBe('VOIDED');
    stack.setup(t, NOW, 'an account has consumed credits', { accountId: 'ACC-1', amount: 700 });
    expect(l.balance('ACC-1', NOW)).toMatchObject({ availableBalance: 0 });
  });

  it('stacked states torn down in setup order (as Pact does) leave the ledger as before', () => {
    const t = busyTenant();
    const l = t.ledger;
    const stack = new ProviderStateStack();
    const before = l.snapshot();
    const whole = imageOf(t);
    const states = PROVIDER_STATE_NAMES.map((s) => [s, paramsFor(l, s)] as const);
    const spies = noCopies(l);
    for (const [s, p] of states) stack.setup(t, NOW, s, p);
    expect(stack.size).toBe(states.length);
    l.consume('PS-NEW', { amount: 1 }, NOW); // the interaction: an account the first state made
    for (const [s, p] of states) stack.teardown(t, s, p);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    vi.restoreAllMocks();
    expect(stack.size).toBe(0);
    expect(l.snapshot()).toEqual(before);
    expect(t.directory.toJSON()).toEqual(whole.directory);
    expect(t.events.snapshot()).toEqual(whole.events);
  });

  // Run as the state machine runs every command: in Ledger.atomically.
  it('a failing setup leaves no trace, also when it repeats a pending setup it had to undo first', () => {
    const t = busyTenant();
    const l = t.ledger;
    const stack = new ProviderStateStack();
    const credit = {
      accountId: 'ACC-9',
      creditId: 'cred.stateCredit.00009',
      effectiveFrom: '2025-05-01',
      effectiveUntil: '2025-07-01',
    };
    stack.setup(t, NOW, 'an account has an active credit', credit);
    // A setup settles the ledger at its time first (that is no part of the setup): do it here.
    const later = NOW + 60 * 86_400_000;
    l.settle(later);
    const before = l.snapshot();
    const spies = noCopies(l);
    // Taken id: refused after the account was made.
    expect(() =>
      atomically(t, () =>
        stack.setup(t, NOW, 'a credit is voided', { accountId: 'ACC-NEW', creditId: credit.creditId }),
      ),
    ).toThrow(/already exists/);
    // The same state again, at a time its credit could not be ACTIVE: its earlier setup comes back too.
    expect(() => atomically(t, () => stack.setup(t, later, 'an account has an active credit', credit))).toThrow(
      /would be EXPIRED/,
    );
    expect(() =>
      stack.setup(t, NOW, 'an account has consumed credits', { accountId: 'ACC-3', amount: 5 }),
    ).not.toThrow();
    expect(() =>
      atomically(t, () => stack.setup(t, NOW, 'an account has consumed credits', { accountId: 'ACC-3', amount: 0 })),
    ).toThrow(/greater than 0/);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    vi.restoreAllMocks();
    stack.teardown(t, 'an account has consumed credits', { accountId: 'ACC-3', amount: 5 });
    expect(stack.size).toBe(1);
    expect(l.snapshot()).toEqual(before);
    expect(l.getAccount('ACC-NEW')).toBeUndefined();
  });

  it('repeating a setup undoes the pending one first and lands in the same state', () => {
    const t = busyTenant();
    const l = t.ledger;
    const stack = new ProviderStateStack();
    const params = { accountId: 'ACC-2', amount: 30 };
    stack.setup(t, NOW, 'an account has consumed credits', params);
    const once = l.snapshot();
    stack.setup(t, NOW, 'an account has consumed credits', params);
    expect(stack.size).toBe(1);
    expect(l.snapshot()).toEqual(once);
  });

  it('keeps its pending setups through JSON: a ledger restored from a snapshot tears them down alike', () => {
    const t = busyTenant();
    const l = t.ledger;
    const stack = new ProviderStateStack();
    const before = l.snapshot();
    const states = PROVIDER_STATE_NAMES.map((s) => [s, paramsFor(l, s)] as const);
    for (const [s, p] of states) stack.setup(t, NOW, s, p);
    const whole = imageOf(busyTenant());
    const copy = new Ledger();
    copy.restore(JSON.parse(JSON.stringify(l.snapshot())));
    const copyParts: Parts = { ledger: copy, directory: new Directory(), events: new EventStore() };
    copyParts.directory.restore(JSON.parse(JSON.stringify(t.directory.toJSON())));
    copyParts.events.restore(JSON.parse(JSON.stringify(t.events.snapshot())));
    const copyStack = ProviderStateStack.fromJSON(JSON.parse(JSON.stringify(stack.toJSON())));
    expect(copyStack.size).toBe(states.length);
    for (const [s, p] of states) copyStack.teardown(copyParts, s, p);
    expect(copy.snapshot()).toEqual(before);
    expect(copyParts.directory.toJSON()).toEqual(whole.directory);
    expect(copyParts.events.snapshot()).toEqual(whole.events);
    expect(() => ProviderStateStack.fromJSON([{ key: 1 }])).toThrow(/providerStates/);
    expect(ProviderStateStack.fromJSON(undefined).size).toBe(0);
  });
});

describe('provider states on the directory and events', () => {
  it('an account exists: made in the directory too (with its customer), and gone from both on teardown', () => {
    const t = busyTenant();
    const stack = new ProviderStateStack();
    const params = { accountId: 'PS-ACC', customerId: 'PS-OWNER', invoiceCurrency: 'JPY' };
    expect(stack.setup(t, NOW, 'an account exists', params)).toEqual({ accountId: 'PS-ACC' });
    expect(t.directory.account('PS-ACC')).toMatchObject({
      customerId: 'PS-OWNER',
      invoiceCurrency: 'JPY',
      status: 'ACTIVE',
    });
    expect(t.directory.customer('PS-OWNER')?.accountIds).toEqual(['PS-ACC']);
    expect(t.ledger.getAccount('PS-ACC')).toMatchObject({ customerId: 'PS-OWNER', currency: 'JPY' });
    stack.teardown(t, 'an account exists', params);
    expect(t.directory.account('PS-ACC')).toBeUndefined();
    expect(t.directory.customer('PS-OWNER')).toBeUndefined();
    expect(t.ledger.getAccount('PS-ACC')).toBeUndefined();
    // Made again: the same ids come out (the generator went back), and the id is free.
    expect(() => stack.setup(t, NOW, 'an account exists', params)).not.toThrow();
  });

  it('teardown removes what the interaction made since the setup: customers, accounts, aliases, events, credits', () => {
    const t = busyTenant();
    const whole = imageOf(t);
    const stack = new ProviderStateStack();
    const params = { customerId: 'PS-CUS', accountId: 'PS-A' };
    const values = stack.setup(t, NOW, 'a customer exists', params);
    expect(values).toEqual({
      customerId: 'PS-CUS',
      accountId: 'PS-A',
      togaiCustomerId: t.directory.customer('PS-CUS')!.togaiCustomerId,
    });
    // The interaction: an account of the state's customer, an alias, an event by it, a credit, a deletion, a
    // new customer and a contact with a username, and an alias on an older account.
    t.directory.createAccount(
      'PS-CUS',
      { id: 'PS-B', name: 'Account B', invoiceCurrency: 'USD', aliases: ['b-alias'] },
      NOW,
    );
    t.ledger.createAccount({ accountId: 'PS-B', customerId: 'PS-CUS', currency: 'USD' }, NOW);
    t.ledger.grant(
      [{ accountId: 'PS-B', purpose: 'P', effectiveFrom: '2025-06-01', creditAmount: 5, priority: 1 }],
      NOW,
    );
    t.events.ingest(
      [
        {
          id: 'ev-b',
          accountId: 'b-alias',
          schemaName: 's',
          timestamp: new Date(NOW).toISOString(),
          attributes: [],
          dimensions: {},
        },
      ],
      NOW,
      t.directory,
    );
    t.directory.deleteAccount('PS-A', NOW);
    t.directory.createCustomer({ id: 'NEW-CUS', name: 'New one', primaryEmail: 'n@example.com', address: {} }, NOW);
    t.directory.createContact('NEW-CUS', { username: 'pact-user', name: 'Pact', email: 'p@example.com' } as never, NOW);
    expect(t.directory.resolveForEvent('b-alias', NOW)).toEqual({ accountId: 'PS-B', status: 'ACTIVE' });
    stack.teardown(t, 'a customer exists', params);
    // The ledger's id generator stays where the interaction's grant left it (as for credit states).
    const { idState: _moved, ...ledger } = t.ledger.snapshot();
    const { idState: _was, ...ledgerBefore } = whole.ledger;
    expect(ledger).toEqual(ledgerBefore);
    expect({ ...t.directory.toJSON(), ids: 0 }).toEqual({ ...whole.directory, ids: 0 });
    expect(t.events.snapshot()).toEqual(whole.events);
    expect(t.directory.resolveForEvent('b-alias', NOW)).toBeUndefined();
    expect(t.events.get('ev-b')).toBeUndefined();
    // The alias value, the event id and the username are free again.
    stack.setup(t, NOW, 'a customer exists', params);
    t.directory.createAccount(
      'PS-CUS',
      { id: 'PS-B', name: 'Account B', invoiceCurrency: 'USD', aliases: ['b-alias'] },
      NOW,
    );
    t.directory.createCustomer({ id: 'NEW-CUS', name: 'New one', primaryEmail: 'n@example.com', address: {} }, NOW);
    t.directory.createContact('NEW-CUS', { username: 'pact-user', name: 'Pact', email: 'p@example.com' } as never, NOW);
    expect(
      t.events.ingest(
        [
          {
            id: 'ev-b',
            accountId: 'b-alias',
            schemaName: 's',
            timestamp: new Date(NOW).toISOString(),
            attributes: [],
            dimensions: {},
          },
        ],
        NOW,
        t.directory,
      )[0]!.status,
    ).toBe('INGESTION_COMPLETED_NO_MATCHING_METERS');
  });

  it('an account has a wallet balance: tops an older wallet up to the balance; teardown gives the wallet back', () => {
    const t = busyTenant();
    const stack = new ProviderStateStack();
    const before = structuredClone(t.directory.account('ACC-D')!.wallet);
    expect(stack.setup(t, NOW, 'an account has a wallet balance', { accountId: 'ACC-D' })).toEqual({
      accountId: 'ACC-D',
      balance: 1000,
    });
    const entries = t.directory.account('ACC-D')!.wallet.entries;
    expect(entries.at(-1)).toMatchObject({ transactionType: 'CREDITED', amount: 975, closingBalance: 1000 });
    t.directory.topUp('ACC-D', 3, NOW); // the interaction
    stack.teardown(t, 'an account has a wallet balance', { accountId: 'ACC-D' });
    expect(t.directory.account('ACC-D')!.wallet).toEqual(before);
    // Enough already: nothing changes, and the balance says what it is.
    expect(stack.setup(t, NOW, 'an account has a wallet balance', { accountId: 'ACC-D', balance: 10 })).toEqual({
      accountId: 'ACC-D',
      balance: 25,
    });
    expect(t.directory.account('ACC-D')!.wallet).toEqual(before);
  });

  it('an event was ingested: completed under its account; a duplicate id or a refused account leaves no trace', () => {
    const t = busyTenant();
    const stack = new ProviderStateStack();
    const params = { accountId: 'ACC-D', eventId: 'ev-state', schemaName: 'rides' };
    expect(stack.setup(t, NOW, 'an event was ingested', params)).toEqual(params);
    expect(t.events.get('ev-state')).toMatchObject({
      accountId: 'ACC-D',
      status: 'INGESTION_COMPLETED_NO_MATCHING_METERS',
    });
    const whole = imageOf(t);
    expect(() =>
      atomically(t, () => stack.setup(t, NOW, 'an event was ingested', { accountId: 'ACC-1', eventId: 'ev-1' })),
    ).toThrow(/INGESTION_FAILED_DUPLICATE_EVENT/);
    t.directory.deleteAccount('ACC-2', NOW);
    const archived = imageOf(t);
    expect(() =>
      atomically(t, () => stack.setup(t, NOW, 'an event was ingested', { accountId: 'ACC-2', eventId: 'ev-x' })),
    ).toThrow(/ARCHIVED/);
    expect(imageOf(t)).toEqual(archived);
    expect(whole.events).toEqual(archived.events);
    expect(stack.size).toBe(1);
  });

  it('a repeated setup that fails puts back what its unwinding took: events, accounts and wallets', () => {
    const t = busyTenant();
    const stack = new ProviderStateStack();
    const params = { accountId: 'PS-EV', eventId: 'ev-again', timestamp: new Date(NOW).toISOString() };
    stack.setup(t, NOW, 'an event was ingested', params);
    stack.setup(t, NOW, 'an account has a wallet balance', { accountId: 'PS-EV' });
    const before = imageOf(t);
    // 40 days on, the same event is past the grace period: refused, after unwinding both setups.
    const later = NOW + 40 * 86_400_000;
    expect(() => atomically(t, () => stack.setup(t, later, 'an event was ingested', params))).toThrow(
      /INGESTION_FAILED_PAST_GRACE_PERIOD/,
    );
    expect(stack.size).toBe(2);
    const { ledger, ...rest } = imageOf(t);
    const { ledger: ledgerBefore, ...restBefore } = before;
    expect(rest).toEqual(restBefore);
    expect(ledger.accounts).toEqual(ledgerBefore.accounts);
    expect(t.events.get('ev-again')?.status).toBe('INGESTION_COMPLETED_NO_MATCHING_METERS');
  });
});
