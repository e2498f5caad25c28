// Every change to the mock's state, as a command: plain JSON, so that it can
// be appended to a log (memory, a local file, a Redis stream) and applied by
// any process to the same effect (store/machine/apply.ts).
//
// A command carries what it needs to be applied the same way anywhere:
// - `at`: the epoch ms of its tenant's fake clock when the accepting process
//   built it (used while the tenant's clock follows real time; a frozen
//   clock is state, and apply reads it from there);
// - `entropy`: a random uint32 drawn by the accepting process, for commands
//   that need fresh randomness (a tenant created for the first time seeds its
//   id generator with it; a seed request without a seed uses it; fault
//   probabilities draw from it). Apply itself never draws.
// Commands that act on all tenants (reset, faults, the rate limit) name a
// tenant only to narrow their scope: `tenant` undefined means every tenant.
//
// Each command type has its result type (CommandResults), as etcd pairs each
// request with its response: apply's handler for a type must return it, and
// Engine.execute answers it, so callers need no casts.

import type { AccountInput, ConsumeInput, ConsumeResult, HoldOutcome, HoldSelector } from '../../domain/ledger.js';
import type {
  CorrectionAction,
  CorrectionOutcome,
  EventPayload,
  IngestOutcome,
} from '../../domain/events/event-store.js';
import type { AccountRecord } from '../../domain/records.js';
import type { Fixtures, Seeded } from '../../domain/seed.js';
import type { components } from '../../spec/control-types.gen.js';
import type { ProviderStateName, ProviderStateParams, ProviderStateValues } from '../../spec/provider-states.js';
import type { Credit, CreditRequest } from '../../spec/types.js';
import type {
  Account,
  CreateCustomerContactResponse,
  CreateCustomerResponse,
  Customer,
  WalletBalanceResponse,
} from '../../spec/accounts-types.js';
import type { FaultInput, FaultRule, FaultTarget } from './fault-rules.js';
import type {
  WalletDebitInput,
  WalletDebitResult,
  WalletHoldOutcome,
  WalletHoldSelector,
} from '../../domain/directory/directory.js';
import type {
  AccountInput as TogaiAccountInput,
  AccountPatch,
  AddAliasesInput,
  ContactInput,
  CustomerInput,
  CustomerPatch,
  RemoveAliasesInput,
  WalletPatch,
} from '../../domain/directory/records.js';

type Schemas = components['schemas'];

/** The control spec's Fixtures document, each credit a CreditRequest with an optional id. */
export type FixturesInput = Fixtures;

interface TenantCommand {
  /** The tenant key the change acts on (created by the command if it does not exist). */
  tenant: string;
  at: number;
  entropy?: number;
}

interface StoreCommand {
  /** Narrows the change to one tenant; undefined: all of them. */
  tenant?: string | undefined;
  at: number;
  entropy?: number;
}

export type Command =
  // The Togai API
  | (TenantCommand & { type: 'grant'; requests: CreditRequest[] })
  | (TenantCommand & { type: 'void'; creditId: string })
  // Accounts and consumption
  | (TenantCommand & { type: 'createAccount'; account: AccountInput })
  | (TenantCommand & { type: 'consume'; accountId: string; input: ConsumeInput })
  | (TenantCommand & { type: 'settleHolds'; accountId: string; selector: HoldSelector })
  | (TenantCommand & { type: 'releaseHolds'; accountId: string; selector: HoldSelector })
  // Events (POST /ingest and /ingestBatch are both one `ingest`; `endpoint` says which was called)
  | (TenantCommand & { type: 'ingest'; events: EventPayload[]; endpoint: 'ingest' | 'ingestBatch' })
  | (TenantCommand & {
      type: 'eventCorrection';
      action: CorrectionAction;
      event: EventPayload;
      requireConfirmation?: boolean | undefined;
    })
  // The tenant's fake clock
  | (TenantCommand & { type: 'clockSet'; now: number })
  | (TenantCommand & { type: 'clockAdvance'; ms: number })
  | (TenantCommand & { type: 'clockReset' })
  // Data put in on purpose
  // Without topUpsPerAccount/eventsPerAccount (a seed logged by an earlier version): ledger accounts and credits only.
  | (TenantCommand & {
      type: 'seed';
      seed?: number | undefined;
      accounts: number;
      creditsPerAccount: number;
      topUpsPerAccount?: number | undefined;
      eventsPerAccount?: number | undefined;
    })
  | (TenantCommand & { type: 'fixtures'; fixtures: FixturesInput })
  | (TenantCommand & { type: 'providerStateSetup'; state: ProviderStateName; params: ProviderStateParams })
  | (TenantCommand & { type: 'providerStateTeardown'; state: ProviderStateName; params: ProviderStateParams })
  // What a mock starts with (TOGAI_MOCK_SEED, TOGAI_MOCK_FIXTURES), into the shared tenant,
  // applied only to a store that holds no tenant yet: replicas starting together on one
  // log each append it, and only the first one applied does anything, everywhere.
  | (StoreCommand & { type: 'startup'; seed?: StartupSeed | undefined; fixtures?: FixturesInput | undefined })
  // The whole store
  | (StoreCommand & { type: 'reset' })
  | (StoreCommand & { type: 'stateImport'; snapshot: Schemas['Snapshot'] })
  | (StoreCommand & { type: 'faultAdd'; input: FaultInput })
  | (StoreCommand & { type: 'faultRemove'; id: string })
  | (StoreCommand & { type: 'faultClear' })
  | (StoreCommand & { type: 'faultFire'; target: FaultTarget })
  | (StoreCommand & { type: 'rateLimitSet'; limit: number })
  // ---- The directory: Togai's customers, accounts, aliases and wallets (format 2)
  | (TenantCommand & { type: 'createCustomer'; input: CustomerInput })
  | (TenantCommand & { type: 'updateCustomer'; customerId: string; patch: CustomerPatch })
  | (TenantCommand & { type: 'deleteCustomer'; customerId: string })
  // The contact's password is hashed before the command is made: logs never hold it.
  | (TenantCommand & { type: 'createCustomerContact'; customerId: string; input: ContactInput })
  // Togai's POST /accounts (`createAccount` is the control API's older command).
  | (TenantCommand & { type: 'togaiCreateAccount'; customerId: string; input: TogaiAccountInput })
  | (TenantCommand & { type: 'updateAccount'; accountId: string; patch: AccountPatch })
  | (TenantCommand & { type: 'deleteAccount'; accountId: string })
  | (TenantCommand & { type: 'addAliases'; accountId: string; input: AddAliasesInput })
  | (TenantCommand & { type: 'removeAliases'; accountId: string; input: RemoveAliasesInput })
  | (TenantCommand & { type: 'walletTopUp'; accountId: string; amount: number })
  | (TenantCommand & { type: 'updateWallet'; accountId: string; patch: WalletPatch })
  // Where Togai's invoices would draw on a wallet (control API).
  | (TenantCommand & { type: 'walletDebit'; accountId: string; input: Omit<WalletDebitInput, 'hold'> })
  | (TenantCommand & { type: 'walletHold'; accountId: string; input: Omit<WalletDebitInput, 'hold'> })
  | (TenantCommand & { type: 'walletSettle'; accountId: string; selector: WalletHoldSelector })
  | (TenantCommand & { type: 'walletRelease'; accountId: string; selector: WalletHoldSelector });
// ---- end of the directory's commands

/** The start-up seed: the configured seed and counts. */
export interface StartupSeed {
  seed: number;
  accounts: number;
  creditsPerAccount: number;
  /** Absent in a start-up logged by an earlier version (ledger accounts and credits only). */
  topUpsPerAccount?: number | undefined;
  eventsPerAccount?: number | undefined;
}

export type CommandType = Command['type'];

/**
 * What applying each command answers (`void`: nothing). Every command type
 * has exactly one entry: apply's handler table is typed from it, so a new
 * command without its result does not compile.
 */
export interface CommandResults {
  grant: Credit[];
  void: Credit;
  createAccount: AccountRecord;
  consume: ConsumeResult;
  settleHolds: HoldOutcome;
  releaseHolds: HoldOutcome;
  /** Each event's status and referenceId, in the order sent. */
  ingest: IngestOutcome[];
  eventCorrection: CorrectionOutcome;
  clockSet: void;
  clockAdvance: void;
  clockReset: void;
  /** The seed used (the command's draw when it named none) and what it made. */
  seed: Seeded & { seed: number };
  fixtures: Seeded;
  providerStateSetup: ProviderStateValues;
  providerStateTeardown: void;
  startup: StartupResult;
  reset: void;
  stateImport: void;
  faultAdd: FaultRule;
  faultRemove: void;
  faultClear: void;
  /** The rule that fired, or undefined when none did (times used up, probability). */
  faultFire: FaultRule | undefined;
  /** The limit now in force. */
  rateLimitSet: number;
  // ---- The directory (each answers the Togai API's shape of what it changed, as of the command's time)
  createCustomer: CreateCustomerResponse;
  updateCustomer: Customer;
  deleteCustomer: void;
  createCustomerContact: CreateCustomerContactResponse;
  togaiCreateAccount: Account;
  updateAccount: Account;
  deleteAccount: void;
  addAliases: Account;
  removeAliases: Account;
  walletTopUp: WalletBalanceResponse;
  updateWallet: WalletBalanceResponse;
  walletDebit: WalletDebitResult;
  walletHold: WalletDebitResult;
  walletSettle: WalletHoldOutcome;
  walletRelease: WalletHoldOutcome;
  // ---- end of the directory's results
}

/** The result of a command of type `T`. */
export type CommandResult<T extends CommandType> = CommandResults[T];

/** What a startup command did: nothing (the store held data already), or what it seeded and loaded. */
export interface StartupResult {
  applied: boolean;
  seeded?: Seeded & { seed: number };
  fixtures?: Seeded;
}

// CommandResults names exactly the command types: a result for a command that does not exist fails to compile here.
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
export type ResultsNameEveryCommand = Holds<Exactly<keyof CommandResults, CommandType>>;

/** A command as its caller builds it: `at` (and `entropy`) are filled in when it is accepted. */
export type CommandInput = Command extends infer C
  ? C extends Command
    ? Omit<C, 'at' | 'entropy'> & { at?: number; entropy?: number }
    : never
  : never;

/** The command of `type` (an intersection rather than Extract, so that it stays the same type for a generic T). */
export type CommandOf<T extends CommandType> = Command & { type: T };

const STORE_COMMANDS: ReadonlySet<CommandType> = new Set([
  'startup',
  'reset',
  'stateImport',
  'faultAdd',
  'faultRemove',
  'faultClear',
  'faultFire',
  'rateLimitSet',
]);

/** Whether the command acts on one tenant (and creates it when it does not exist yet). */
export function isTenantCommand(c: { type: CommandType }): boolean {
  return !STORE_COMMANDS.has(c.type);
}

/** Commands that need fresh randomness whatever the state: they always carry entropy. */
export function needsEntropy(c: CommandInput): boolean {
  return c.type === 'faultFire' || c.type === 'startup' || (c.type === 'seed' && c.seed === undefined);
}
