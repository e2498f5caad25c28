// The formats a process writes and reads, so that processes of different
// versions sharing one log (replicas on one Redis prefix, a restart after an
// upgrade or a downgrade) never misread each other.
//
// - Log entries carry the format of their commands (COMMAND_FORMAT). A
//   version that adds a command, or changes what one means, bumps it and
//   says so in COMMAND_INTRODUCED. Entries written before entries carried a
//   format read as format 1: the commands of that time are format 1's.
// - Snapshots carry theirs in their first part (snapshot.ts: a version 1
//   document, version 2 parts); a version that changes what the state holds
//   bumps PARTS_FORMAT_VERSION.
//
// A process that meets a format above its own, or a command type it does not
// know, cannot apply it the way the writer meant. Skipping it (as a refused
// command) would let replicas drift apart for good, so the engine stops
// applying instead: every request answers 503 and GET /_mock/health says why
// (engine.ts). Reading an older format is always allowed.

import { MockError } from '../../domain/errors.js';
import type { CommandType } from './commands.js';

/** The format of the commands this version appends; it reads every format up to it. */
export const COMMAND_FORMAT = 2;

/**
 * The format each command type first appeared in. A record over every type:
 * a new command does not compile until it says, and a test holds
 * COMMAND_FORMAT to the newest of them.
 */
export const COMMAND_INTRODUCED: Readonly<Record<CommandType, number>> = {
  grant: 1,
  void: 1,
  createAccount: 1,
  consume: 1,
  settleHolds: 1,
  releaseHolds: 1,
  clockSet: 1,
  clockAdvance: 1,
  clockReset: 1,
  seed: 1,
  fixtures: 1,
  providerStateSetup: 1,
  providerStateTeardown: 1,
  startup: 1,
  reset: 1,
  stateImport: 1,
  faultAdd: 1,
  faultRemove: 1,
  faultClear: 1,
  faultFire: 1,
  rateLimitSet: 1,
  // ---- The directory: customers, accounts, aliases, wallets
  createCustomer: 2,
  updateCustomer: 2,
  deleteCustomer: 2,
  createCustomerContact: 2,
  togaiCreateAccount: 2,
  updateAccount: 2,
  deleteAccount: 2,
  addAliases: 2,
  removeAliases: 2,
  walletTopUp: 2,
  updateWallet: 2,
  walletDebit: 2,
  walletHold: 2,
  walletSettle: 2,
  walletRelease: 2,
  // ---- end of the directory's commands
  // Events
  ingest: 2,
  eventCorrection: 2,
};

/** State written in a format this version cannot read: answered 503 (the process stops applying). */
export class UnknownFormatError extends MockError {
  constructor(message: string) {
    super('unavailable', message);
    this.name = 'UnknownFormatError';
  }
}

/**
 * Why this version cannot apply an entry's commands written in `format`
 * (undefined: written before entries carried one, format 1); undefined
 * when it can. Checked for the whole entry before any of it is applied.
 */
export function unreadableEntry(commands: readonly unknown[], format: number | undefined): string | undefined {
  if (format !== undefined && format > COMMAND_FORMAT) {
    return (
      `it holds commands of format ${format}, written by a newer togai-mock; ` +
      `this one reads formats up to ${COMMAND_FORMAT}`
    );
  }
  for (const command of commands) {
    const type = (command as { type?: unknown } | null)?.type;
    if (typeof type !== 'string' || !Object.hasOwn(COMMAND_INTRODUCED, type)) {
      const what = `it holds a command of type ${JSON.stringify(type)}`;
      return `${what} that this togai-mock does not know (written by a newer version?)`;
    }
  }
  return undefined;
}
