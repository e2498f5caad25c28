// Changes are commands, applied by one deterministic function: the same
// commands in the same order give the same state in any process. This
// property drives random command sequences (grant batches with idempotency
// keys and invalid ones, voids, accounts, consumption and holds, clock moves
// backwards and forwards and back to real time, seeds, fixtures (some
// refused), provider states set up and torn down, resets of one tenant or
// all, fault rules added, fired, removed and cleared, rate limits, events
// ingested (now and then a command refused whole, some by alias) and
// corrected, and the directory's changes: customers, contacts, Togai
// accounts, aliases with windows, wallets topped up, debited and held) through
// two separate engines, each on its own log, fed the same commands as JSON
// (as a log hands them on). One of them also serves reads between the
// commands (lists, balances, credit details, account views). Both answer every
// command alike; after every step their states are equal once the expiries
// due are written (on copies, so the engines are left as they are), and equal
// as they are in the end, after both have read.
//
// The second property runs one engine as a live process does: on a file log
// whose appends are held open, so that a command is stamped at one real time
// and applied later, while real time moves on and reads land in between (a
// read there must change nothing, and the expiry it shows must not reach the
// command). A reference engine applies the same stamped commands at once.
// Both answer alike, hold the same state and give the same reads after every
// step; in the end a fresh engine restarted from the state file does too.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accountDetailsView } from '../../src/control/views.js';
import type { MockEngine } from '../../src/store/machine/apply.js';
import { Ledger } from '../../src/domain/ledger.js';
import { PROVIDER_STATE_NAMES } from '../../src/spec/provider-states.js';
import type { Command, FixturesInput } from '../../src/store/machine/commands.js';
import { FileLog } from '../../src/store/backends/file/log.js';
import { MemoryLog } from '../../src/store/backends/memory.js';
import { engineOn, RecordingLog, stateText } from '../store/engine-support.js';
import { fcParams, FUZZ_TIMEOUT } from './config.js';

const DAY = 86_400_000;
const START = Date.parse('2024-06-01T12:00:00Z');
const TENANTS = ['shared', 't_other'] as const;
const ACCOUNTS = ['A', 'B'] as const;
const OPERATIONS = ['createCredit', 'listCredits', 'voidCredit'] as const;
const day = (offset: number): string => new Date(START + offset * DAY).toISOString().slice(0, 10);

type Op =
  | { kind: 'grant'; tenant: number; requests: GrantSpec[] }
  | { kind: 'void'; tenant: number; pick: number }
  | { kind: 'createAccount'; tenant: number; account: number; currency: string | null }
  | { kind: 'consume'; tenant: number; account: number; amount: number; hold: boolean; invoice: number | null }
  | { kind: 'settleHolds' | 'releaseHolds'; tenant: number; account: number; invoice: number | null }
  | { kind: 'clockSet'; tenant: number; days: number }
  | { kind: 'clockAdvance'; tenant: number; seconds: number }
  | { kind: 'clockReset'; tenant: number }
  | { kind: 'reset'; tenant: number | null }
  | { kind: 'faultAdd'; tenant: number | null; operation: number; times: number | null; probability: number | null }
  | { kind: 'faultRemove'; pick: number }
  | { kind: 'faultClear'; tenant: number | null }
  | { kind: 'faultFire'; tenant: number; operation: number }
  | { kind: 'rateLimitSet'; limit: number }
  | {
      kind: 'seed';
      tenant: number;
      seed: number | null;
      accounts: number;
      credits: number;
      /** null: a seed command as an earlier version logged it (ledger only). */
      more: { topUps: number; events: number } | null;
    }
  | {
      kind: 'fixtures';
      tenant: number;
      accounts: number[];
      credits: FixtureCredit[];
      /** Customers C<n> with a Togai account CA<n> each, wallets topped up, events by id or alias. */
      customers: number[];
      topUps: Array<{ account: number; amount: number }>;
      events: Array<{ id: number; account: number }>;
    }
  | {
      kind: 'directory';
      tenant: number;
      action: number;
      customer: number;
      account: number;
      amount: number;
      flag: boolean;
    }
  | {
      kind: 'providerState';
      tenant: number;
      state: number;
      account: number;
      credit: number;
      amount: number;
      teardown: boolean;
    }
  | { kind: 'ingest'; tenant: number; events: EventSpec[]; batch: boolean }
  | { kind: 'eventCorrection'; tenant: number; id: number; action: number; account: number }
  | { kind: 'wait'; ms: number }
  /** A clock set forward and then back (a test checking expiry, then going on): the reader reads in between. */
  | { kind: 'timeTrip'; tenant: number; there: number; back: number };

interface GrantSpec {
  account: number;
  amount: number;
  from: number;
  until: number | null;
  priority: number;
  key: number | null;
  invalid: 'negative' | 'backwards' | null;
}

// Mostly the one tenant, so that changes pile up on the same credits.
const tenant = fc.constantFrom(0, 0, 0, 1);
const STATES = PROVIDER_STATE_NAMES;

/** An event: its id (null: none), account (2: one never made), timestamp in days from now (maybe past grace). */
interface EventSpec {
  id: number | null;
  account: number;
  days: number;
  bad: boolean;
}
const CORRECTIONS = ['UNDO', 'REDO', 'REDO_EVENT'] as const;
/** What events name: accounts A and B, one never made, an alias some account may hold. */
const EVENT_ACCOUNTS = [...ACCOUNTS, 'NOBODY', 'alias-0'] as const;
const DIRECTORY_ACTIONS = [
  'createCustomer',
  'updateCustomer',
  'deleteCustomer',
  'createCustomerContact',
  'togaiCreateAccount',
  'updateAccount',
  'deleteAccount',
  'addAliases',
  'removeAliases',
  'walletTopUp',
  'updateWallet',
  'walletDebit',
  'walletHold',
  'walletSettle',
  'walletRelease',
] as const;
/** Accounts the directory's changes name: A, B (also the ledger's), and D2, made only through the directory. */
const DIRECTORY_ACCOUNTS = [...ACCOUNTS, 'D2'] as const;

interface FixtureCredit {
  account: number;
  id: number | null;
  amount: number;
  bad: boolean;
}
const account = fc.integer({ min: 0, max: ACCOUNTS.length - 1 });
const invoice = fc.option(fc.integer({ min: 0, max: 1 }), { nil: null });
const grantSpec: fc.Arbitrary<GrantSpec> = fc.record({
  account,
  amount: fc.integer({ min: 1, max: 500 }),
  from: fc.integer({ min: -10, max: 5 }),
  until: fc.option(fc.integer({ min: 0, max: 12 }), { nil: null }),
  priority: fc.integer({ min: 1, max: 3 }),
  key: fc.option(fc.integer({ min: 0, max: 2 }), { nil: null }),
  // Now and then a request the ledger refuses (the whole batch is refused, on both).
  invalid: fc.oneof(
    { weight: 12, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.constantFrom('negative' as const, 'backwards' as const) },
  ),
});

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('grant' as const),
      tenant,
      requests: fc.array(grantSpec, { minLength: 1, maxLength: 4 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('void' as const), tenant, pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('createAccount' as const),
      tenant,
      account,
      currency: fc.constantFrom(null, 'EUR'),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('consume' as const),
      tenant,
      account,
      amount: fc.integer({ min: 1, max: 400 }),
      hold: fc.boolean(),
      invoice,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom('settleHolds' as const, 'releaseHolds' as const),
      tenant,
      account,
      invoice,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('clockSet' as const), tenant, days: fc.integer({ min: -10, max: 20 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('clockAdvance' as const),
      tenant,
      seconds: fc.integer({ min: -10 * 86_400, max: 10 * 86_400 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clockReset' as const), tenant }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('reset' as const), tenant: fc.option(tenant, { nil: null }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('faultAdd' as const),
      tenant: fc.option(tenant, { nil: null }),
      operation: fc.integer({ min: 0, max: OPERATIONS.length - 1 }),
      times: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
      probability: fc.option(fc.constantFrom(0.3, 0.7), { nil: null }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('faultRemove' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('faultClear' as const), tenant: fc.option(tenant, { nil: null }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('faultFire' as const),
      tenant,
      operation: fc.integer({ min: 0, max: OPERATIONS.length - 1 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('rateLimitSet' as const), limit: fc.integer({ min: 0, max: 20 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('seed' as const),
      tenant,
      seed: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }),
      accounts: fc.integer({ min: 0, max: 3 }),
      credits: fc.integer({ min: 0, max: 3 }),
      more: fc.option(fc.record({ topUps: fc.integer({ min: 0, max: 2 }), events: fc.integer({ min: 0, max: 3 }) }), {
        nil: null,
      }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('fixtures' as const),
      tenant,
      accounts: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 2 }),
      credits: fc.array(
        fc.record({
          account: fc.integer({ min: 0, max: 3 }),
          id: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }),
          amount: fc.integer({ min: 1, max: 300 }),
          bad: fc.constantFrom(false, false, false, true),
        }),
        { maxLength: 3 },
      ),
      customers: fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 2 }),
      topUps: fc.array(
        fc.record({ account: fc.integer({ min: 0, max: 2 }), amount: fc.integer({ min: 0, max: 90 }) }),
        {
          maxLength: 2,
        },
      ),
      events: fc.array(fc.record({ id: fc.integer({ min: 0, max: 4 }), account: fc.integer({ min: 0, max: 3 }) }), {
        maxLength: 3,
      }),
    }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('directory' as const),
      tenant,
      action: fc.integer({ min: 0, max: DIRECTORY_ACTIONS.length - 1 }),
      customer: fc.integer({ min: 0, max: 2 }),
      account: fc.integer({ min: 0, max: DIRECTORY_ACCOUNTS.length - 1 }),
      amount: fc.integer({ min: -5, max: 300 }),
      flag: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('providerState' as const),
      tenant,
      state: fc.integer({ min: 0, max: STATES.length - 1 }),
      account: fc.integer({ min: 0, max: 2 }),
      credit: fc.integer({ min: 0, max: 2 }),
      amount: fc.integer({ min: 1, max: 200 }),
      teardown: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('timeTrip' as const),
      tenant,
      there: fc.integer({ min: 0, max: 20 }),
      back: fc.integer({ min: -10, max: 5 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('ingest' as const),
      tenant,
      batch: fc.boolean(),
      events: fc.array(
        fc.record({
          id: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }),
          account: fc.integer({ min: 0, max: EVENT_ACCOUNTS.length - 1 }),
          days: fc.integer({ min: -40, max: 0 }),
          // Now and then a timestamp that is no date: the whole command is refused (on both).
          bad: fc.constantFrom(false, false, false, false, false, false, false, true),
        }),
        { minLength: 1, maxLength: 4 },
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('eventCorrection' as const),
      tenant,
      id: fc.integer({ min: 0, max: 4 }),
      action: fc.integer({ min: 0, max: CORRECTIONS.length - 1 }),
      account: fc.integer({ min: 0, max: EVENT_ACCOUNTS.length - 1 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 4 * DAY }) }) },
);

/** An event of account A, B, one never made (index 2) or an alias (3), with id `ev<id>` (null: none). */
function eventOf(id: number | null, account: number, timestamp: string) {
  return {
    ...(id === null ? {} : { id: `ev${id}` }),
    accountId: EVENT_ACCOUNTS[account]!,
    schemaName: 'fuzz',
    timestamp,
    attributes: [{ name: 'n', value: '1' }],
    dimensions: {},
  };
}

/** The command of an op, with what it refers to (a credit, a fault rule) resolved in `ref`'s state. */
function commandOf(
  o: Exclude<Op, { kind: 'wait' | 'timeTrip' }>,
  ref: MockEngine,
  at: number,
  entropy: number,
): Command {
  const base = { at, entropy };
  const key = (t: number): string => TENANTS[t]!;
  switch (o.kind) {
    case 'grant':
      return {
        ...base,
        type: 'grant',
        tenant: key(o.tenant),
        requests: o.requests.map((r) => {
          const from = day(r.from);
          const until =
            r.invalid === 'backwards'
              ? day(r.from - 1)
              : r.until === null
                ? undefined
                : day(r.from + Math.abs(r.until));
          return {
            accountId: ACCOUNTS[r.account]!,
            purpose: 'P',
            effectiveFrom: from,
            ...(until === undefined ? {} : { effectiveUntil: until }),
            creditAmount: r.invalid === 'negative' ? -r.amount : r.amount,
            priority: r.priority,
            ...(r.key === null ? {} : { idempotencyKey: `key-${r.key}` }),
          };
        }),
      };
    case 'void': {
      const credits = ref.state.tenants.peek(key(o.tenant)).ledger.snapshot().credits;
      // Now and then an id that does not exist (a 404 on both).
      const creditId =
        credits.length === 0 || o.pick % 7 === 0 ? 'cred.doesNotExist.00000' : credits[o.pick % credits.length]!.id;
      return { ...base, type: 'void', tenant: key(o.tenant), creditId };
    }
    case 'createAccount':
      return {
        ...base,
        type: 'createAccount',
        tenant: key(o.tenant),
        account: { accountId: ACCOUNTS[o.account]!, ...(o.currency ? { currency: o.currency } : {}) },
      };
    case 'consume':
      return {
        ...base,
        type: 'consume',
        tenant: key(o.tenant),
        accountId: ACCOUNTS[o.account]!,
        input: { amount: o.amount, hold: o.hold, ...(o.invoice === null ? {} : { invoiceId: `inv-${o.invoice}` }) },
      };
    case 'settleHolds':
    case 'releaseHolds':
      return {
        ...base,
        type: o.kind,
        tenant: key(o.tenant),
        accountId: ACCOUNTS[o.account]!,
        selector: o.invoice === null ? {} : { invoiceId: `inv-${o.invoice}` },
      };
    case 'clockSet':
      return { ...base, type: 'clockSet', tenant: key(o.tenant), now: START + o.days * DAY };
    case 'clockAdvance':
      return { ...base, type: 'clockAdvance', tenant: key(o.tenant), ms: o.seconds * 1000 };
    case 'clockReset':
      return { ...base, type: 'clockReset', tenant: key(o.tenant) };
    case 'reset':
      return { ...base, type: 'reset', tenant: o.tenant === null ? undefined : key(o.tenant) };
    case 'faultAdd':
      return {
        ...base,
        type: 'faultAdd',
        tenant: o.tenant === null ? undefined : key(o.tenant),
        input: {
          match: { operationId: OPERATIONS[o.operation]! },
          status: 500,
          ...(o.times === null ? {} : { times: o.times }),
          ...(o.probability === null ? {} : { probability: o.probability }),
        },
      };
    case 'faultRemove': {
      const rules = ref.state.faults.list();
      return { ...base, type: 'faultRemove', id: rules.length === 0 ? 'fault_999' : rules[o.pick % rules.length]!.id };
    }
    case 'faultClear':
      return { ...base, type: 'faultClear', tenant: o.tenant === null ? undefined : key(o.tenant) };
    case 'faultFire': {
      const operationId = OPERATIONS[o.operation]!;
      return {
        ...base,
        type: 'faultFire',
        tenant: key(o.tenant),
        target: { method: 'POST', path: '/credits', operationId, template: '/credits' },
      };
    }
    case 'rateLimitSet':
      return { ...base, type: 'rateLimitSet', limit: o.limit };
    case 'seed':
      return {
        ...base,
        type: 'seed',
        tenant: key(o.tenant),
        ...(o.seed === null ? {} : { seed: o.seed }),
        accounts: o.accounts,
        creditsPerAccount: o.credits,
        ...(o.more === null ? {} : { topUpsPerAccount: o.more.topUps, eventsPerAccount: o.more.events }),
      };
    case 'fixtures':
      return {
        ...base,
        type: 'fixtures',
        tenant: key(o.tenant),
        fixtures: {
          accounts: o.accounts.map((a) => ({ accountId: `FX${a}` })),
          credits: o.credits.map((c) => ({
            ...(c.id === null ? {} : { id: `cred.fixtureCred${c.id}.00000` }),
            accountId: `FX${c.account}`,
            ...(c.bad ? {} : { purpose: 'FIXTURE' }),
            effectiveFrom: day(-1),
            effectiveUntil: day(3),
            creditAmount: c.amount,
            priority: 1,
          })) as NonNullable<FixturesInput['credits']>,
          customers: o.customers.map((c) => ({
            id: `C${c}`,
            name: `Customer ${c}`,
            primaryEmail: `c${c}@example.com`,
            address: {},
            account: { id: `CA${c}`, name: `Account ${c}`, aliases: [`alias-${c}`] },
            contacts: [{ name: 'Jo', email: `jo${c}@example.com` }],
          })),
          // Amount 0 is refused (the whole fixture, on both).
          wallets: o.topUps.map((w) => ({ accountId: `CA${w.account}`, topUps: [w.amount] })),
          events: o.events.map((e) => ({
            ...eventOf(e.id, 0, new Date(at - DAY).toISOString()),
            accountId: e.account === 3 ? 'alias-0' : `CA${e.account}`,
          })),
        },
      };
    case 'directory':
      return { ...base, tenant: key(o.tenant), ...directoryCommand(o, at) } as Command;
    case 'ingest':
      return {
        ...base,
        type: 'ingest',
        tenant: key(o.tenant),
        endpoint: o.batch ? 'ingestBatch' : 'ingest',
        events: o.events.map((e) =>
          eventOf(e.id, e.account, e.bad ? 'not a date' : new Date(at + e.days * DAY).toISOString()),
        ),
      };
    case 'eventCorrection':
      return {
        ...base,
        type: 'eventCorrection',
        tenant: key(o.tenant),
        action: CORRECTIONS[o.action]!,
        event: eventOf(o.id, o.account, new Date(at).toISOString()),
      };
    case 'providerState': {
      const state = STATES[o.state]!;
      const params = { accountId: `PS${o.account}`, creditId: `cred.providerSta${o.credit}.00000`, amount: o.amount };
      return {
        ...base,
        type: o.teardown ? 'providerStateTeardown' : 'providerStateSetup',
        tenant: key(o.tenant),
        state,
        params,
      };
    }
  }
}

/** A change of the directory: customers C0-C2, accounts A, B, D2, aliases alias-0..2, invoices inv-0..2. */
function directoryCommand(o: Extract<Op, { kind: 'directory' }>, at: number): Record<string, unknown> {
  const type = DIRECTORY_ACTIONS[o.action]!;
  const customerId = `C${o.customer}`;
  const accountId = DIRECTORY_ACCOUNTS[o.account]!;
  const alias = `alias-${Math.abs(o.amount) % 3}`;
  const iso = (t: number): string => new Date(t).toISOString();
  switch (type) {
    case 'createCustomer':
      return {
        type,
        input: {
          id: customerId,
          name: `Customer ${o.customer}`,
          primaryEmail: `c${o.customer}@example.com`,
          address: { city: 'Springfield' },
          ...(o.flag ? { account: { id: `CA${o.customer}`, name: 'Embedded', invoiceCurrency: 'EUR' } } : {}),
        },
      };
    case 'updateCustomer':
      return { type, customerId, patch: { name: `Renamed ${o.amount}` } };
    case 'deleteCustomer':
      return { type, customerId };
    case 'createCustomerContact':
      return {
        type,
        customerId,
        input: {
          name: 'Jo',
          email: 'jo@example.com',
          ...(o.flag ? { preferredUsername: `user${Math.abs(o.amount) % 3}` } : {}),
        },
      };
    case 'togaiCreateAccount':
      return {
        type,
        customerId,
        input: {
          id: accountId,
          name: `Account ${accountId}`,
          ...(o.flag ? { aliases: [alias], status: 'DRAFT' } : { invoiceCurrency: 'GBP' }),
        },
      };
    case 'updateAccount':
      return { type, accountId, patch: { name: `Upd ${o.amount}`, status: o.flag ? 'DRAFT' : 'ACTIVE' } };
    case 'deleteAccount':
      return { type, accountId };
    case 'addAliases':
      return {
        type,
        accountId,
        input: o.flag
          ? { aliases: [alias] }
          : {
              accountAliases: [
                { value: alias, effectiveFrom: iso(at - DAY), effectiveUntil: iso(at + (o.amount * DAY) / 10) },
              ],
            },
      };
    case 'removeAliases':
      return { type, accountId, input: { aliases: [alias] } };
    case 'walletTopUp':
      return { type, accountId, amount: o.amount };
    case 'updateWallet':
      return { type, accountId, patch: { status: o.flag ? 'INACTIVE' : 'ACTIVE' } };
    case 'walletDebit':
    case 'walletHold':
      return { type, accountId, input: { amount: o.amount, invoiceId: `inv-${o.customer}` } };
    case 'walletSettle':
    case 'walletRelease':
      return { type, accountId, selector: o.flag ? {} : { invoiceId: `inv-${o.customer}` } };
  }
}

/** What a caller was answered: the result as JSON, or the refusal. */
async function outcome(p: Promise<unknown>): Promise<unknown> {
  try {
    // Records point back at their account (and an account at its credits): the account by id.
    const text = JSON.stringify((await p) ?? null, (k, v: unknown) => (k === 'account' ? (v as { id: string }).id : v));
    return { ok: JSON.parse(text) as unknown };
  } catch (err) {
    return { refused: (err as Error).message };
  }
}

/** Reads as the HTTP API makes them (which write nothing, expiries included). */
function readEverything(engine: MockEngine): void {
  for (const key of TENANTS) {
    const t = engine.state.tenants.peek(key);
    const now = t.clock.now();
    t.ledger.list({ pageSize: 50 }, now);
    for (const id of ACCOUNTS) {
      t.ledger.balance(id, now);
      const account = t.ledger.getAccount(id);
      if (account) accountDetailsView(t.ledger, account, now);
    }
    for (const c of t.ledger.snapshot().credits.slice(0, 5)) t.ledger.getCreditDetails(c.id, now);
    t.events.list({ pageSize: 50 });
    for (let i = 0; i < 4; i++) t.events.eventsOf(`ev${i}`);
  }
}

/** What every read the API makes answers, at each tenant's time, as text: refusals by their message. */
function readAnswers(engine: MockEngine): string {
  const answers: unknown[] = [];
  const attempt = (read: () => unknown): void => {
    try {
      answers.push(read());
    } catch (err) {
      answers.push({ refused: (err as Error).message });
    }
  };
  for (const key of TENANTS) {
    const t = engine.state.tenants.peek(key);
    const now = t.clock.now();
    for (const status of [undefined, 'ACTIVE', 'EXPIRED', 'VOIDED', 'CONSUMED'] as const) {
      attempt(() => t.ledger.list({ pageSize: 50, ...(status ? { status } : {}) }, now));
    }
    attempt(() => t.events.list({ pageSize: 50 }));
    for (const id of ACCOUNTS) attempt(() => t.events.list({ pageSize: 3, accountId: id }));
    for (let i = 0; i < 4; i++) attempt(() => t.events.eventsOf(`ev${i}`));
    for (const id of ACCOUNTS) {
      attempt(() => t.ledger.list({ pageSize: 2, accountId: id }, now));
      attempt(() => t.ledger.balance(id, now));
      attempt(() => t.ledger.listHolds(id, now));
      const account = t.ledger.getAccount(id);
      if (account) attempt(() => accountDetailsView(t.ledger, account, now));
    }
    for (const c of t.ledger.snapshot().credits) attempt(() => t.ledger.getCreditDetails(c.id, now));
    attempt(() => t.directory.listCustomers(undefined, 50));
    attempt(() => t.directory.listAccounts(undefined, 50));
    for (const id of DIRECTORY_ACCOUNTS) attempt(() => t.directory.mustAccount(id));
    for (let i = 0; i < 3; i++) attempt(() => t.directory.resolveForEvent(`alias-${i}`, now));
  }
  return JSON.stringify(answers);
}

/**
 * The state with every expiry due by each tenant's time written, taken from
 * copies (a fresh ledger loaded from each one's snapshot): what the next
 * change or read would find, whichever process it came to.
 */
function settledText(engine: MockEngine): string {
  const tenants = engine.state.tenants.snapshot().map((t) => {
    const copy = new Ledger();
    copy.restore(t.ledger);
    copy.settle(t.clock.frozenAt ?? engine.state.tenants.peek(t.key).clock.now());
    return { ...t, ledger: copy.snapshot() };
  });
  return JSON.stringify({
    tenants,
    faults: engine.state.faults.toJSON(),
    rateLimit: engine.state.rateLimitSet ?? null,
  });
}

describe('commands applied by two engines', () => {
  it(
    'give the same answers and equal state, also when one of them serves reads in between',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(op, fc.nat({ max: 2 ** 32 - 1 }), fc.boolean()), { minLength: 1, maxLength: 40 }),
          async (steps) => {
            // Both processes' real time is the same simulated wall clock, moving forward only.
            let wall = START;
            const realTime = (): number => wall;
            const plain = engineOn(new MemoryLog(), { realTime }, realTime);
            const reader = engineOn(new MemoryLog(), { realTime }, realTime);
            await plain.start();
            await reader.start();
            for (const [o, entropy, read] of steps) {
              if (o.kind === 'wait') {
                wall += o.ms;
                continue;
              }
              const both = async (command: Command): Promise<void> => {
                const text = JSON.stringify(command);
                const [a, b] = await Promise.all([
                  outcome(plain.execute(JSON.parse(text) as Command)),
                  outcome(reader.execute(JSON.parse(text) as Command)),
                ]);
                expect(b, `answers differ after ${text}`).toEqual(a);
              };
              if (o.kind === 'timeTrip') {
                const tenantKey = TENANTS[o.tenant]!;
                await both({ type: 'clockSet', tenant: tenantKey, at: wall, entropy, now: START + o.there * DAY });
                readEverything(reader);
                await both({ type: 'clockSet', tenant: tenantKey, at: wall, entropy, now: START + o.back * DAY });
              } else {
                await both(commandOf(o, plain, wall, entropy));
              }
              if (read) readEverything(reader);
              expect(settledText(reader), `state differs after step ${o.kind}`).toBe(settledText(plain));
            }
            // Once both have read, they agree as they are (reads write nothing, so they did before too).
            readEverything(plain);
            readEverything(reader);
            expect(stateText(reader)).toBe(stateText(plain));
          },
        ),
        fcParams(200),
      );
    },
    FUZZ_TIMEOUT,
  );
});

describe('commands applied by a live engine whose appends are held open', () => {
  it(
    'give the answers, state and reads of a replay, with reads between stamping and apply at advancing real time, and after a restart from the state file',
    async () => {
      const step = fc.tuple(op, fc.nat({ max: 2 ** 32 - 1 }), fc.boolean(), fc.integer({ min: 0, max: 2 * DAY }));
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 30 }), async (steps) => {
          const dir = mkdtempSync(join(tmpdir(), 'togai-mock-commands-'));
          const file = join(dir, 'state.json');
          // Real time, the same for every engine here, moving forward only (no clock is frozen until a command does
          // it).
          let wall = START;
          const realTime = (): number => wall;
          const held = new RecordingLog(new FileLog(file));
          const live = engineOn(held, { realTime }, realTime);
          const replay = engineOn(new MemoryLog(), { realTime }, realTime);
          // Opens the held append, so that a failed check never leaves the engine waiting on it.
          let release = (): void => {};
          try {
            await live.start();
            await replay.start();
            for (const [o, entropy, read, lag] of steps) {
              if (o.kind === 'wait') {
                wall += o.ms;
                continue;
              }
              const commands: Command[] =
                o.kind === 'timeTrip'
                  ? [
                      { type: 'clockSet', tenant: TENANTS[o.tenant]!, at: wall, entropy, now: START + o.there * DAY },
                      { type: 'clockSet', tenant: TENANTS[o.tenant]!, at: wall, entropy, now: START + o.back * DAY },
                    ]
                  : [commandOf(o, replay, wall, entropy)];
              for (const command of commands) {
                // The live engine stamps the command itself, at its tenant's time when it accepts it.
                const input = { ...command } as Partial<Command>;
                delete input.at;
                let open!: () => void;
                held.gate = new Promise<void>((resolve) => {
                  open = resolve;
                });
                release = open;
                const answer = outcome(live.execute(input as Command));
                const stamped = JSON.stringify(input);
                // The append is held: real time moves on, and reads come in before the command is applied.
                wall += lag;
                const before = stateText(live);
                if (read) {
                  readAnswers(live);
                  readEverything(live);
                }
                const after = stateText(live);
                held.gate = undefined;
                open();
                expect(after, `a read changed the state before ${stamped} was applied`).toBe(before);
                const live1 = await answer;
                const replayed = await outcome(replay.execute(JSON.parse(stamped) as Command));
                expect(live1, `answers differ for ${stamped}`).toEqual(replayed);
              }
              expect(stateText(live), `state differs after step ${o.kind}`).toBe(stateText(replay));
              expect(readAnswers(live), `reads differ after step ${o.kind}`).toBe(readAnswers(replay));
            }
            await live.close();
            // A restart: a fresh engine replays the state file's log.
            const restarted = engineOn(new FileLog(file), { realTime }, realTime);
            await restarted.start();
            try {
              expect(stateText(restarted)).toBe(stateText(replay));
              expect(readAnswers(restarted)).toBe(readAnswers(replay));
            } finally {
              await restarted.close();
            }
          } finally {
            held.gate = undefined;
            release();
            await live.close();
            rmSync(dir, { recursive: true, force: true });
          }
        }),
        fcParams(60),
      );
    },
    FUZZ_TIMEOUT,
  );
});
