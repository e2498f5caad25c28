// The mock's state machine as the engine (engine.ts) runs it: commands are
// stamped with their time and draws when they are accepted (stamp.ts),
// applied by the one pure function that changes the state (apply.ts), and
// the state is snapshotted and restored as parts (snapshot.ts). Loading
// Faker for seed commands, the one asynchronous step, happens here too,
// before such a command is applied.

import { MockError } from '../../domain/errors.js';
import { loadSeedFaker, type SeedFaker } from '../../domain/seed.js';
import { applyCommand, type ApplyContext, type Context } from './apply.js';
import { COMMAND_FORMAT, unreadableEntry } from './format.js';
import type { Command, CommandInput, CommandOf, CommandResults, CommandType } from './commands.js';
import type { StateMachine } from './engine.js';
import { restoreParts, snapshotParts } from './snapshot.js';
import { Stamper, type StampSources } from './stamp.js';
import type { MockState } from './state.js';

export interface MockMachineOptions extends ApplyContext, StampSources {}

/** The mock's state and its apply function, as the engine runs them. */
export class MockMachine implements StateMachine<MockState, Command, CommandInput, CommandResults> {
  private readonly ctx: Context;
  private readonly stamper: Stamper;
  private faker: SeedFaker | undefined;
  private loadingFaker: Promise<void> | undefined;

  constructor(
    readonly state: MockState,
    options: MockMachineOptions,
  ) {
    this.ctx = {
      validateSnapshot: options.validateSnapshot,
      checkCreditRequest: options.checkCreditRequest,
      checkFixture: options.checkFixture,
      faker: () => {
        if (!this.faker) throw new MockError('internal', 'a seed command was applied before Faker was loaded');
        return this.faker;
      },
    };
    this.stamper = new Stamper(state, options);
  }

  /** Fills in the command's time and draws, on the given object (callers build a fresh one per change). */
  stamp(input: CommandInput): Command {
    return this.stamper.stamp(input);
  }

  apply<T extends CommandType>(command: CommandOf<T>): CommandResults[T] {
    return applyCommand(this.state, command, this.ctx);
  }

  readonly format = COMMAND_FORMAT;

  unreadable(commands: readonly unknown[], format: number | undefined): string | undefined {
    return unreadableEntry(commands, format);
  }

  /** Seeding needs Faker, loaded on first use (not at start-up, which it would slow down). */
  prepare(commands: readonly Command[]): Promise<void> | undefined {
    if (this.faker || !commands.some((c) => c.type === 'seed' || (c.type === 'startup' && c.seed !== undefined)))
      return undefined;
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
    return snapshotParts(this.state, seq, this.stamper.now());
  }

  restore(parts: readonly unknown[] | undefined): void {
    restoreParts(this.state, parts, this.ctx.validateSnapshot);
  }
}
