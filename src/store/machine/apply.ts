// The one function that changes the mock's state: applyCommand(state,
// command). Pure and deterministic: the same commands in the same order give
// the same state in any process. Time comes from the command (`at`, for a
// clock that follows real time) or from the state (a frozen clock);
// randomness from the command's `entropy` or from generators whose state is
// part of the state. Nothing here, nor anything it runs, reads the wall
// clock or a random source (test/arch/layers.test.ts holds it to that):
// stamping a command with its time and draws happens before it is logged
// (stamp.ts), and MockMachine (mock-machine.ts) puts the two together for the
// engine.
//
// All or nothing: every tenant command runs in its ledger's atomically(), so
// a command either changes what it should or throws a MockError having
// changed nothing, the same way in every process. Never by copying the store.
//
// Only commands write expiries: each first writes those due at its own time
// (a clock move: at the time it leaves). Reads show the lifecycle as of their
// time without writing (see domain/ledger.ts), so a read between a command's
// stamping and its apply changes nothing, and the live process, its restart
// from the log and every replica stay identical (docs/determinism.md).

import type { ValidateFunction } from 'ajv';
import { MockError, notFound } from '../../domain/errors.js';
import { seededRandom } from '../../domain/ids.js';
import {
  loadTenantFixtures,
  seedLedger,
  seedTenant,
  type CreditRequestCheck,
  type FixtureCheck,
  type SeedFaker,
  type Seeded,
  type SeedPlan,
} from '../../domain/seed.js';
import type { Command, CommandInput, CommandOf, CommandResults, CommandType, StartupResult } from './commands.js';
import type { Engine, EngineAccess } from './engine.js';
import { checkSnapshot } from './snapshot.js';
import type { MockState } from './state.js';
import { SHARED_TENANT, adoptLedgerAccounts, reseedDirectory, type Tenant } from './store.js';
import { accountForUse, ledgerAccountFor, prepareGrant } from './accounts-link.js';
import { toAccount, toContact, toCreateCustomerResponse, toCustomer, toWallet } from '../../domain/directory/shapes.js';
import type { AccountRecord as DirectoryAccount } from '../../domain/directory/records.js';
import type { Account } from '../../spec/accounts-types.js';

/**
 * What applying needs besides the state: the spec's validators (code, the
 * same in every process), fetched when first needed (compiling or loading
 * them costs start-up time).
 */
export interface ApplyContext {
  /** The control spec's Snapshot schema (stateImport, state files). */
  validateSnapshot: () => ValidateFunction;
  /** A fixture credit checked against the Credits spec's CreditRequest schema. */
  checkCreditRequest: () => CreditRequestCheck;
  /** A fixture's customers, contacts, accounts and events checked against their schemas. */
  checkFixture: () => FixtureCheck;
}

/** What applying a seed command needs on top: the Faker, loaded (asynchronously) before such a command is applied. */
export interface Context extends ApplyContext {
  faker: () => SeedFaker;
}

/** The instant a tenant command happens: a frozen clock's time (state), else the command's. */
function timeOf(tenant: Tenant, at: number): number {
  return tenant.clock.frozen ? tenant.clock.now() : at;
}

/** How each command is applied: its handler answers the command's own result type (commands.ts). */
type Handler<T extends CommandType> = (state: MockState, c: CommandOf<T>, ctx: Context) => CommandResults[T];
type Handlers = { [T in CommandType]: Handler<T> };

/** Commands of one tenant: the tenant exists (it is created by its first command) and `now` is its time. */
type TenantHandler<T extends CommandType> = (
  t: Tenant,
  now: number,
  c: CommandOf<T>,
  state: MockState,
  ctx: Context,
) => CommandResults[T];

function onTenant<T extends CommandType>(handler: TenantHandler<T>): Handler<T> {
  return (state, c, ctx) => {
    const cmd = c as CommandOf<T> & { tenant: string };
    return inTenant(state, cmd.tenant, cmd.entropy, cmd.at, (t, now) => handler(t, now, c, state, ctx));
  };
}

/**
 * Runs a command's change on one tenant (created by its first command) at
 * the command's time, all or nothing: the one place commands get
 * all-or-nothing, for every tenant command alike.
 */
function inTenant<R>(
  state: MockState,
  key: string,
  entropy: number | undefined,
  at: number,
  change: (t: Tenant, now: number) => R,
): R {
  const t = state.tenantFor(key, entropy, at);
  const now = timeOf(t, at);
  // Each part of the tenant takes back its own changes when the command
  // throws; nested, they make the command all or nothing across all of them.
  return t.ledger.atomically(() => t.directory.atomically(() => t.events.atomically(() => change(t, now))));
}

/** An account in the Togai API's shape as of `now`. */
function accountView(t: Tenant, a: DirectoryAccount, now: number): Account {
  return toAccount(a, { effectiveOn: now, togaiCustomerId: t.directory.customer(a.customerId)!.togaiCustomerId });
}

/**
 * Seeds a tenant: customers, accounts, wallets, credits and events; or, for
 * a seed command logged before seeds made more than credits (no
 * eventsPerAccount), the ledger accounts and credits it made then.
 */
function seedInto(
  t: Tenant,
  plan: SeedPlan & { topUpsPerAccount?: number | undefined; eventsPerAccount?: number | undefined },
  now: number,
  ctx: Context,
): Seeded {
  reseedDirectory(t, plan.seed);
  if (plan.eventsPerAccount === undefined) return seedLedger(ctx.faker(), t.ledger, plan, now);
  return seedTenant(
    ctx.faker(),
    t,
    { ...plan, topUpsPerAccount: plan.topUpsPerAccount ?? 0, eventsPerAccount: plan.eventsPerAccount },
    now,
  );
}

/**
 * Moving the clock first brings the ledger to the time it leaves: the
 * expiries reads showed as of that time are written before time moves (maybe
 * backwards), so a credit that read as expired stays expired.
 */
function settleBeforeMoving(t: Tenant, now: number): void {
  t.ledger.settle(now);
}

const handlers: Handlers = {
  grant: onTenant<'grant'>((t, now, c) => {
    prepareGrant(t, c.requests, now);
    return t.ledger.grant(c.requests, now);
  }),
  void: onTenant<'void'>((t, now, c) => t.ledger.void(c.creditId, now)),
  createAccount: onTenant<'createAccount'>((t, now, c) => {
    t.ledger.settle(now);
    const account = t.ledger.createAccount(c.account, now);
    if (t.directory.account(account.id)) {
      throw new MockError('conflict', `Account ${account.id} already exists`);
    }
    t.directory.adoptAccount(account.id, account.customerId, account.currency, now);
    return account;
  }),
  consume: onTenant<'consume'>((t, now, c) => t.ledger.consume(c.accountId, c.input, now)),
  settleHolds: onTenant<'settleHolds'>((t, now, c) => t.ledger.settleHolds(c.accountId, c.selector, now)),
  releaseHolds: onTenant<'releaseHolds'>((t, now, c) => t.ledger.releaseHolds(c.accountId, c.selector, now)),

  // Events: their accounts are the directory's (by id, or by an alias in effect at the event's timestamp).
  ingest: onTenant<'ingest'>((t, now, c) => t.events.ingest(c.events, now, t.directory)),
  eventCorrection: onTenant<'eventCorrection'>((t, now, c) => t.events.correct(c.action, c.event, now, t.directory)),

  clockSet: onTenant<'clockSet'>((t, now, c) => {
    settleBeforeMoving(t, now);
    t.clock.set(c.now);
  }),
  clockAdvance: onTenant<'clockAdvance'>((t, now, c) => {
    settleBeforeMoving(t, now);
    t.clock.set(now + c.ms);
  }),
  clockReset: onTenant<'clockReset'>((t, now) => {
    settleBeforeMoving(t, now);
    t.clock.reset();
  }),

  seed: onTenant<'seed'>((t, now, c, _state, ctx) => {
    // Without a seed of its own, the command's draw: the same seed wherever it is applied.
    const seed = c.seed ?? (c.entropy ?? 0) >>> 1;
    const made = seedInto(
      t,
      {
        seed,
        accounts: c.accounts,
        creditsPerAccount: c.creditsPerAccount,
        topUpsPerAccount: c.topUpsPerAccount,
        eventsPerAccount: c.eventsPerAccount,
      },
      now,
      ctx,
    );
    adoptLedgerAccounts(t);
    return { seed, ...made };
  }),
  fixtures: onTenant<'fixtures'>((t, now, c, _state, ctx) => {
    const loaded = loadTenantFixtures(t, c.fixtures, ctx.checkFixture(), ctx.checkCreditRequest(), now);
    adoptLedgerAccounts(t);
    return loaded;
  }),
  providerStateSetup: onTenant<'providerStateSetup'>((t, now, c) => {
    return t.providerStates.setup(t, now, c.state, c.params);
  }),
  providerStateTeardown: onTenant<'providerStateTeardown'>((t, _now, c) => {
    t.providerStates.teardown(t, c.state, c.params);
  }),

  startup: (state, c, ctx) => {
    if (state.tenants.keys().length > 0) return { applied: false } satisfies StartupResult;
    // Seed and fixtures together or not at all: a refused fixture file leaves the store empty.
    try {
      return inTenant(state, SHARED_TENANT, c.entropy, c.at, (t, now): StartupResult => {
        const result: StartupResult = { applied: true };
        if (c.seed !== undefined) result.seeded = { seed: c.seed.seed, ...seedInto(t, c.seed, now, ctx) };
        if (c.fixtures !== undefined) {
          adoptLedgerAccounts(t);
          result.fixtures = loadTenantFixtures(t, c.fixtures, ctx.checkFixture(), ctx.checkCreditRequest(), now);
        }
        adoptLedgerAccounts(t);
        return result;
      });
    } catch (err) {
      state.tenants.resetTenant(SHARED_TENANT);
      throw err;
    }
  },

  reset: (state, c) => {
    if (c.tenant !== undefined) state.tenants.resetTenant(c.tenant);
    else state.tenants.reset();
  },
  stateImport: (state, c, ctx) => {
    const snap = checkSnapshot(c.snapshot, ctx.validateSnapshot());
    try {
      // Rebuilt aside and swapped in whole (MemoryStore.restore): a bad document changes nothing.
      state.tenants.restore(snap.tenants);
    } catch (err) {
      // The ledger's own consistency checks speak of "snapshot:" already.
      if (err instanceof MockError) throw err;
      throw new MockError('invalid', `snapshot could not be loaded: ${(err as Error).message}`);
    }
  },

  faultAdd: (state, c) => state.faults.add(c.input, c.tenant),
  faultRemove: (state, c) => {
    if (!state.faults.remove(c.id)) throw notFound(`Fault rule ${c.id} does not exist`);
  },
  faultClear: (state, c) => state.faults.clear(c.tenant),
  faultFire: (state, c) => state.faults.fire(c.target, c.tenant, seededRandom(c.entropy ?? 0)),
  rateLimitSet: (state, c) => {
    state.rateLimitSet = c.limit;
    return c.limit;
  },

  // The directory: customers, accounts, aliases, wallets
  createCustomer: onTenant<'createCustomer'>((t, now, c) => {
    const { customer, account } = t.directory.createCustomer(c.input, now);
    if (account) ledgerAccountFor(t, account, now);
    return toCreateCustomerResponse(customer, account && accountView(t, account, now));
  }),
  updateCustomer: onTenant<'updateCustomer'>((t, now, c) =>
    toCustomer(t.directory.updateCustomer(c.customerId, c.patch, now)),
  ),
  deleteCustomer: onTenant<'deleteCustomer'>((t, now, c) => {
    t.directory.deleteCustomer(c.customerId, now);
  }),
  createCustomerContact: onTenant<'createCustomerContact'>((t, now, c) =>
    toContact(t.directory.createContact(c.customerId, c.input, now)),
  ),
  togaiCreateAccount: onTenant<'togaiCreateAccount'>((t, now, c) => {
    const account = t.directory.createAccount(c.customerId, c.input, now);
    ledgerAccountFor(t, account, now);
    return accountView(t, account, now);
  }),
  updateAccount: onTenant<'updateAccount'>((t, now, c) => {
    const before = t.directory.mustAccount(c.accountId).invoiceCurrency;
    const account = t.directory.updateAccount(c.accountId, c.patch, now, t.ledger.hasCredits(c.accountId));
    ledgerAccountFor(t, account, now);
    if (account.invoiceCurrency !== before) t.ledger.setCurrency(account.id, account.invoiceCurrency, now);
    return accountView(t, account, now);
  }),
  deleteAccount: onTenant<'deleteAccount'>((t, now, c) => {
    t.directory.deleteAccount(c.accountId, now);
  }),
  addAliases: onTenant<'addAliases'>((t, now, c) =>
    accountView(t, t.directory.addAliases(c.accountId, c.input, now), now),
  ),
  removeAliases: onTenant<'removeAliases'>((t, now, c) =>
    accountView(t, t.directory.removeAliases(c.accountId, c.input, now), now),
  ),
  walletTopUp: onTenant<'walletTopUp'>((t, now, c) => {
    accountForUse(t, c.accountId, now, 'wallet top-ups');
    return toWallet(t.directory.topUp(c.accountId, c.amount, now));
  }),
  updateWallet: onTenant<'updateWallet'>((t, now, c) => toWallet(t.directory.updateWallet(c.accountId, c.patch, now))),
  walletDebit: onTenant<'walletDebit'>((t, now, c) =>
    t.directory.walletDebit(c.accountId, { ...c.input, hold: false }, now),
  ),
  walletHold: onTenant<'walletHold'>((t, now, c) =>
    t.directory.walletDebit(c.accountId, { ...c.input, hold: true }, now),
  ),
  walletSettle: onTenant<'walletSettle'>((t, now, c) => t.directory.settleWalletHolds(c.accountId, c.selector, now)),
  walletRelease: onTenant<'walletRelease'>((t, now, c) => t.directory.releaseWalletHolds(c.accountId, c.selector, now)),
};

/** Applies one command to the state; answers what the change made (a credit, an account, ...: CommandResults). */
export function applyCommand<T extends CommandType>(
  state: MockState,
  command: CommandOf<T>,
  ctx: Context,
): CommandResults[T] {
  // Looked up by the command's own type: the handler of T takes a CommandOf<T>.
  const handler = handlers[command.type] as Handler<T> | undefined;
  if (!handler)
    throw new MockError('invalid', `unknown command type ${JSON.stringify((command as { type?: unknown }).type)}`);
  return handler(state, command, ctx);
}

export type { StartupResult };

/** The engine of a running mock. */
export type MockEngine = Engine<MockState, Command, CommandInput, CommandResults>;

/** The engine as one request uses it (MockEngine.forRequest()): reads and changes. */
export type MockAccess = EngineAccess<MockState, CommandInput, CommandResults>;
