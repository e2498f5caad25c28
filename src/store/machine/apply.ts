// The one function that changes the mock's state: applyCommand(state,
// command). Deterministic: the same commands in the same order give the same
// state in any process. Time comes from the command (`at`, for a clock that
// follows real time) or from the state (a frozen clock); randomness from the
// command's `entropy` or from generators whose state is part of the state.
// Nothing here reads Date.now(), Math.random() or crypto.
//
// All or nothing: a command either changes what it should or throws a
// MockError before changing anything (the ledger validates before it
// writes), the same way in every process. Never by copying the store.
//
// Reads write expiries too (the lifecycle catches up lazily). That stays
// deterministic because an expiry is a function of the credit and the time
// (its transaction id is derived from the credit), every change first writes
// the expiries due at its own time, and a clock move first writes those due
// at the time it leaves. One gap remains with a clock that follows real
// time: a change accepted at T and applied a few milliseconds later, after a
// read at T' > T wrote an expiry falling between the two, sees that credit
// expired, where a process replaying the log would not. Frozen clocks (what
// tests use to reach an expiry) have no such gap: their time is state.
//
// MockMachine wraps it for the engine (engine.ts): it stamps commands with
// their time and draws when they are accepted, and snapshots and restores
// the state as parts (snapshot.ts).

import { randomBytes } from 'node:crypto';
import type { ValidateFunction } from 'ajv';
import { MockError, notFound } from '../../domain/errors.js';
import { seededRandom, type Random32 } from '../../domain/ids.js';
import { loadFixtures, loadSeedFaker, seedLedger, type CreditRequestCheck, type Seeded, type SeedFaker } from '../../domain/seed.js';
import { isTenantCommand, needsEntropy, type Command, type CommandInput, type CommandOf } from './commands.js';
import type { Engine, EngineAccess, StateMachine } from './engine.js';
import { COMMAND_FORMAT, unreadableEntry } from './format.js';
import { checkSnapshot, restoreParts, snapshotParts } from './snapshot.js';
import type { MockState } from './state.js';
import { SHARED_TENANT, type Tenant } from './store.js';

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
}

/** What applying a seed command needs on top: the Faker, loaded (asynchronously) before such a command is applied. */
interface Context extends ApplyContext {
  faker: () => SeedFaker;
}

/** The instant a tenant command happens: a frozen clock's time (state), else the command's. */
function timeOf(tenant: Tenant, at: number): number {
  return tenant.clock.toJSON().frozenAt ?? at;
}

type Handlers = { [T in Command['type']]: (state: MockState, c: CommandOf<T>, ctx: Context) => unknown };

/** Commands of one tenant: the tenant exists (it is created by its first command) and `now` is its time. */
type TenantHandler<T extends Command['type']> = (t: Tenant, now: number, c: CommandOf<T>, state: MockState, ctx: Context) => unknown;

function onTenant<T extends Command['type']>(handler: TenantHandler<T>): (state: MockState, c: CommandOf<T>, ctx: Context) => unknown {
  return (state, c, ctx) => {
    const cmd = c as CommandOf<T> & { tenant: string };
    const t = state.tenantFor(cmd.tenant, cmd.entropy, cmd.at);
    return handler(t, timeOf(t, cmd.at), c, state, ctx);
  };
}

/**
 * Moving the clock first brings the ledger to the time it leaves: expiries a
 * read may already have written at that time are then written everywhere,
 * whichever process served the read, before time moves (maybe backwards).
 */
function settleBeforeMoving(t: Tenant, now: number): void {
  t.ledger.settle(now);
}

const handlers: Handlers = {
  grant: onTenant<'grant'>((t, now, c) => t.ledger.grant(c.requests, now)),
  void: onTenant<'void'>((t, now, c) => t.ledger.void(c.creditId, now)),
  createAccount: onTenant<'createAccount'>((t, now, c) => {
    t.ledger.settle(now);
    return t.ledger.createAccount(c.account, now);
  }),
  consume: onTenant<'consume'>((t, now, c) => t.ledger.consume(c.accountId, c.input, now)),
  settleHolds: onTenant<'settleHolds'>((t, now, c) => t.ledger.settleHolds(c.accountId, c.selector, now)),
  releaseHolds: onTenant<'releaseHolds'>((t, now, c) => t.ledger.releaseHolds(c.accountId, c.selector, now)),

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
    const made = seedLedger(ctx.faker(), t.ledger, { seed, accounts: c.accounts, creditsPerAccount: c.creditsPerAccount }, now);
    return { seed, ...made };
  }),
  fixtures: onTenant<'fixtures'>((t, now, c, _state, ctx) => loadFixtures(t.ledger, c.fixtures, ctx.checkCreditRequest(), now)),
  providerStateSetup: onTenant<'providerStateSetup'>((t, now, c) => t.providerStates.setup(t.ledger, now, c.state, c.params)),
  providerStateTeardown: onTenant<'providerStateTeardown'>((t, _now, c) => {
    t.providerStates.teardown(t.ledger, c.state, c.params);
  }),

  startup: (state, c, ctx) => {
    if (state.tenants.keys().length > 0) return { applied: false } satisfies StartupResult;
    const t = state.tenantFor(SHARED_TENANT, c.entropy, c.at);
    const now = timeOf(t, c.at);
    const result: StartupResult = { applied: true };
    // Seed and fixtures together or not at all: a refused fixture file leaves the store empty.
    t.ledger.beginCapture();
    try {
      if (c.seed !== undefined) result.seeded = { seed: c.seed.seed, ...seedLedger(ctx.faker(), t.ledger, c.seed, now) };
      if (c.fixtures !== undefined) result.fixtures = loadFixtures(t.ledger, c.fixtures, ctx.checkCreditRequest(), now);
    } catch (err) {
      t.ledger.revert(t.ledger.endCapture());
      state.tenants.resetTenant(SHARED_TENANT);
      throw err;
    }
    t.ledger.endCapture();
    return result;
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
};

/** Applies one command to the state; answers what the change made (a credit, an account, ...). */
export function applyCommand(state: MockState, command: Command, ctx: Context): unknown {
  const handler = handlers[command.type] as ((s: MockState, c: Command, x: Context) => unknown) | undefined;
  if (!handler) throw new MockError('invalid', `unknown command type ${JSON.stringify((command as { type?: unknown }).type)}`);
  return handler(state, command, ctx);
}

/** What a startup command did: nothing (the store held data already), or what it seeded and loaded. */
export interface StartupResult {
  applied: boolean;
  seeded?: Seeded & { seed: number };
  fixtures?: Seeded;
}

/** The engine of a running mock. */
export type MockEngine = Engine<MockState, Command, CommandInput>;

/** The engine as one request uses it (MockEngine.forRequest()): reads and changes. */
export type MockAccess = EngineAccess<MockState, CommandInput>;

export interface MockMachineOptions extends ApplyContext {
  /** Real time: the `at` of commands whose tenant's clock is not frozen, and snapshots' savedAt. */
  now?: () => number;
  /** Where entropy comes from; default: cryptographic, or the configured seed's sequence (reproducible runs). */
  random?: Random32;
}

/** The mock's state and its apply function, as the engine runs them. */
export class MockMachine implements StateMachine<MockState, Command, CommandInput> {
  private readonly ctx: Context;
  private readonly now: () => number;
  private readonly random: Random32;
  private faker: SeedFaker | undefined;
  private loadingFaker: Promise<void> | undefined;

  constructor(
    readonly state: MockState,
    options: MockMachineOptions,
  ) {
    this.ctx = {
      validateSnapshot: options.validateSnapshot,
      checkCreditRequest: options.checkCreditRequest,
      faker: () => {
        if (!this.faker) throw new MockError('internal', 'a seed command was applied before Faker was loaded');
        return this.faker;
      },
    };
    this.now = options.now ?? Date.now;
    const seed = state.config.seed;
    this.random = options.random ?? (seed === undefined ? cryptoRandom() : seededRandom(seed));
  }

  /** Fills in the command's time and draws, on the given object (callers build a fresh one per change). */
  stamp(input: CommandInput): Command {
    const c = input as Command;
    if (isTenantCommand(c)) {
      const key = (c as { tenant: string }).tenant;
      const existing = this.state.tenants.has(key);
      if (c.at === undefined) c.at = existing ? this.state.tenants.peek(key).clock.now() : this.now();
      // A tenant this command may create seeds its ids from the command (unless a seed is configured).
      if (c.entropy === undefined && !existing && this.state.config.seed === undefined) c.entropy = this.random();
    } else if (c.at === undefined) {
      c.at = this.now();
    }
    if (c.entropy === undefined && needsEntropy(c)) c.entropy = this.random();
    return c;
  }

  apply(command: Command): unknown {
    return applyCommand(this.state, command, this.ctx);
  }

  readonly format = COMMAND_FORMAT;

  unreadable(commands: readonly unknown[], format: number | undefined): string | undefined {
    return unreadableEntry(commands, format);
  }

  /** Seeding needs Faker, loaded on first use (not at start-up: issue 6). */
  prepare(commands: readonly Command[]): Promise<void> | undefined {
    if (this.faker || !commands.some((c) => c.type === 'seed' || (c.type === 'startup' && c.seed !== undefined))) return undefined;
    this.loadingFaker ??= loadSeedFaker().then(
      (f) => {
        this.faker = f;
      },
      (err: unknown) => {
        this.loadingFaker = undefined;
        throw err;
      },
    );
    return this.loadingFaker;
  }

  snapshot(seq: number): unknown[] {
    return snapshotParts(this.state, seq, this.now());
  }

  restore(parts: readonly unknown[] | undefined): void {
    restoreParts(this.state, parts, this.ctx.validateSnapshot);
  }
}

/** Cryptographic randomness for commands' entropy, fetched in blocks so a draw stays cheap. */
function cryptoRandom(): Random32 {
  let pool = Buffer.alloc(0);
  let offset = 0;
  return () => {
    if (offset + 4 > pool.length) {
      pool = randomBytes(4096);
      offset = 0;
    }
    const v = pool.readUInt32LE(offset);
    offset += 4;
    return v;
  };
}
