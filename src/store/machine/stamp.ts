// Stamping: what only the process that accepts a command knows, written into
// the command before it is logged, so that applying it (apply.ts) needs no
// clock and no random source and gives the same state in every process that
// applies the log. The two things stamped:
//
// - `at`: the tenant's time when the command is accepted (a frozen clock's
//   time, else real time);
// - `entropy`: a uint32 draw, for a command that creates a tenant (the seed
//   of its ids) or that needs fresh randomness whatever the state (firing a
//   fault rule, seeding without a seed, start-up).
//
// This is the only place in the state machine that reads the wall clock or a
// random source; both are parameters here, so tests can make them anything.

import { randomBytes } from 'node:crypto';
import type { TimeSource } from '../../domain/clock.js';
import { seededRandom, type Random32 } from '../../domain/ids.js';
import { isTenantCommand, needsEntropy, type Command, type CommandInput } from './commands.js';
import type { MockState } from './state.js';

/** The process's real time: the wall clock. */
export const wallClock: TimeSource = () => Date.now();

/** Cryptographic randomness for commands' entropy, fetched in blocks so a draw stays cheap. */
export function cryptoRandom(): Random32 {
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

export interface StampSources {
  /** Real time: the `at` of commands whose tenant's clock is not frozen. Default: the wall clock. */
  now?: TimeSource | undefined;
  /** Where entropy comes from. Default: cryptographic, or the configured seed's sequence (reproducible runs). */
  random?: Random32 | undefined;
}

/** Stamps commands for one state: with its tenants' clocks, real time and entropy. */
export class Stamper {
  readonly now: TimeSource;
  private readonly random: Random32;

  constructor(
    private readonly state: MockState,
    sources: StampSources = {},
  ) {
    this.now = sources.now ?? wallClock;
    const seed = state.config.seed;
    this.random = sources.random ?? (seed === undefined ? cryptoRandom() : seededRandom(seed));
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
}
