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
// MockMachine wraps it for the engine (engine.ts): it stamps commands with
// their time and draws when they are accepted, and snapshots and restores
// the state as parts (snapshot.ts).

import type { ValidateFunction } from 'ajv';
import { MockError, notFound } from '../domain/errors.js';
import { cryptoRandom, seededRandom, type Random32 } from '../domain/ids.js';
import { isTenantCommand, needsEntropy, type Command, type CommandInput, type CommandOf } from './commands.js';
import type { Engine, StateMachine } from './engine.js';
import { checkSnapshot, restoreParts, snapshotParts } from './snapshot.js';
import type { MockState } from './state.js';
import type { Tenant } from './store.js';

/**
 * What applying needs besides the state: the spec's validators (code, the
 * same in every process), fetched when first needed (compiling or loading
 * them costs start-up time).
 */
export interface ApplyContext {
  /** The control spec's Snapshot schema (stateImport, state files). */
  validateSnapshot: () => ValidateFunction;
  /** The Credits spec's CreditRequest schema (fixtures). */
  validateCreditRequest: () => ValidateFunction;
}

/** The instant a tenant command happens: a frozen clock's time (state), else the command's. */
function timeOf(tenant: Tenant, at: number): number {
  return tenant.clock.toJSON().frozenAt ?? at;
}

type Handlers = { [T in Command['type']]: (state: MockState, c: CommandOf<T>, ctx: ApplyContext) => unknown };

/** Commands of one tenant: the tenant exists (it is created by its first command) and `now` is its time. */
type TenantHandler<T extends Command['type']> = (t: Tenant, now: number, c: CommandOf<T>, state: MockState, ctx: ApplyContext) => unknown;

function onTenant<T extends Command['type']>(handler: TenantHandler<T>): (state: MockState, c: CommandOf<T>, ctx: ApplyContext) => unknown {
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

  seed: () => {
    throw new MockError('internal', 'seed is not a logged command yet');
  },
  fixtures: () => {
    throw new MockError('internal', 'fixtures are not a logged command yet');
  },
  providerStateSetup: () => {
    throw new MockError('internal', 'provider states are not logged commands yet');
  },
  providerStateTeardown: () => {
    throw new MockError('internal', 'provider states are not logged commands yet');
  },

  reset: (state, c) => {
    if (c.tenant !== undefined) state.tenants.resetTenant(c.tenant);
    else state.tenants.reset();
  },
  stateImport: (state, c, ctx) => {
    const snap = checkSnapshot(c.snapshot, ctx.validateSnapshot());
    try {
      // Rebuilt aside and swapped in whole (MemoryStore.restore): a bad document changes nothing.
      state.tenants.restore(snap.tenants, (key) => state.restoredSeed(key));
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
export function applyCommand(state: MockState, command: Command, ctx: ApplyContext): unknown {
  const handler = handlers[command.type] as ((s: MockState, c: Command, x: ApplyContext) => unknown) | undefined;
  if (!handler) throw new MockError('invalid', `unknown command type ${JSON.stringify((command as { type?: unknown }).type)}`);
  return handler(state, command, ctx);
}

/** The engine of a running mock. */
export type MockEngine = Engine<MockState, Command, CommandInput>;

export interface MockMachineOptions extends ApplyContext {
  /** Real time: the `at` of commands whose tenant's clock is not frozen, and snapshots' savedAt. */
  now?: () => number;
  /** Where entropy comes from; default: cryptographic, or the configured seed's sequence (reproducible runs). */
  random?: Random32;
}

/** The mock's state and its apply function, as the engine runs them. */
export class MockMachine implements StateMachine<MockState, Command, CommandInput> {
  private readonly ctx: ApplyContext;
  private readonly now: () => number;
  private readonly random: Random32;

  constructor(
    readonly state: MockState,
    options: MockMachineOptions,
  ) {
    this.ctx = { validateSnapshot: options.validateSnapshot, validateCreditRequest: options.validateCreditRequest };
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

  prepare(_commands: readonly Command[]): Promise<void> | undefined {
    return undefined;
  }

  snapshot(seq: number): unknown[] {
    return snapshotParts(this.state, seq, this.now());
  }

  restore(parts: readonly unknown[] | undefined): void {
    restoreParts(this.state, parts, this.ctx.validateSnapshot);
  }
}
