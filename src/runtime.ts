// Everything one running mock holds: resolved options, the state and the
// engine that changes it through a command log, the journal and the rate
// limiter's counts, the compiled specs, the logger and the response
// self-check record. Built once per server; only the assembly (app.ts,
// server.ts, index.ts) sees it whole: each stage and handler is handed the
// parts it uses, behind interfaces that do not say where state is kept.
//
// Where it is kept comes from the options, chosen by store/backends/index.ts
// and nowhere else: memory; the state file (its log on local disk); or Redis,
// where the log is a stream shared by every replica on the same URL and
// prefix, and the journal and the rate limit's counts are shared through the
// same connection. This file never names one of them.

import { pino, type Logger } from 'pino';
import { creditRequestCheck, fixtureCheck } from './control/seed.js';
import type { CreditRequestCheck, FixtureCheck } from './domain/seed.js';
import { ACCOUNTS_SPEC_FILE, CONTROL_SPEC_FILE, CREDITS_SPEC_FILE, loadSpec } from './spec/load.js';
import { compileOperations, type SpecValidators } from './spec/operations.js';
import { precompiledValidators } from './spec/precompiled.js';
import type { MockEngine } from './store/machine/apply.js';
import { MockMachine } from './store/machine/mock-machine.js';
import { wallClock } from './store/machine/stamp.js';
import { Engine } from './store/machine/engine.js';
import type { RequestJournal } from './store/services/journal.js';
import { healthFields, openBackend } from './store/backends/index.js';
import type { CommandLog } from './store/backends/types.js';
import type { StoreLogger } from './store/logger.js';
import type { RateCounter } from './store/services/types.js';
import { MockState } from './store/machine/state.js';
import { SHARED_TENANT, tenantKeyFor, type MemoryStore } from './store/machine/store.js';
import type { Health } from './control/handlers.js';
import type { TogaiMockOptions } from './options.js';

/** Parts a test may replace. */
export interface RuntimeOverrides {
  /** The command log; default: Redis' (TOGAI_MOCK_REDIS_URL), the state file's (TOGAI_MOCK_STATE_FILE), else memory. */
  log?: CommandLog | undefined;
}

export class MockRuntime {
  readonly state: MockState;
  /** Every change goes through it; reads too (engine.read). */
  readonly engine: MockEngine;
  readonly credits: SpecValidators;
  /** Customers, accounts, wallet and events (spec/togai-accounts.yaml). */
  readonly accounts: SpecValidators;
  readonly control: SpecValidators;
  readonly logger: Logger;
  /** Responses that did not match spec/ (only recorded with validateResponses). */
  readonly selfCheckFailures: string[] = [];
  /** Togai API requests as clients sent them (GET /_mock/requests). */
  readonly journal: RequestJournal;
  /** Requests counted against the rate limit (the limit itself is state). */
  readonly rateCounter: RateCounter;

  constructor(
    readonly options: TogaiMockOptions,
    overrides: RuntimeOverrides = {},
  ) {
    this.logger = pino({ level: options.logLevel, base: { service: 'togai-mock' } });
    // Request validators come from the build when it made them (see spec/precompiled.ts).
    this.credits = compileOperations(loadSpec(CREDITS_SPEC_FILE), 'togai-credits', {
      precompiled: precompiledValidators(CREDITS_SPEC_FILE),
    });
    this.accounts = compileOperations(loadSpec(ACCOUNTS_SPEC_FILE), 'togai-accounts', {
      precompiled: precompiledValidators(ACCOUNTS_SPEC_FILE),
    });
    this.control = compileOperations(loadSpec(CONTROL_SPEC_FILE), 'togai-mock-control', {
      precompiled: precompiledValidators(CONTROL_SPEC_FILE),
    });
    let checkCredit: CreditRequestCheck | undefined;
    let checkFixtureEntry: FixtureCheck | undefined;
    this.state = new MockState({
      defaultCurrency: options.defaultCurrency,
      strictAccounts: options.strictAccounts,
      seed: options.seed,
      rateLimit: options.rateLimit,
      maxTenants: options.maxTenants,
      eventGracePeriodDays: options.eventGracePeriodDays,
      maxEvents: options.maxEvents,
      realTime: wallClock,
    });
    const machine = new MockMachine(this.state, {
      now: wallClock,
      validateSnapshot: () => this.control.schema('Snapshot'),
      checkCreditRequest: () => (checkCredit ??= creditRequestCheck(this.credits.schema('CreditRequest'))),
      checkFixture: () => (checkFixtureEntry ??= fixtureCheck(this.accounts, this.control)),
    });
    const storeLogger = storeLoggerOf(this.logger);
    const backend = openBackend(options, storeLogger, overrides.log);
    this.engine = new Engine(backend.log, machine, storeLogger);
    this.journal = backend.journal;
    this.rateCounter = backend.rateCounter;
  }

  /**
   * GET /_mock/health: where the state is kept, whether it can be reached, how far behind this
   * process is, and, once it stopped applying the log, why.
   */
  async health(): Promise<Health> {
    const h = await this.engine.health();
    const logSeq = Math.max(h.lastSeq, h.appliedSeq);
    const { backend, redis, replica } = healthFields(h);
    const status = h.connected && h.stopped === undefined ? 'ok' : 'degraded';
    const health: Health = { status, backend, connected: h.connected, appliedSeq: h.appliedSeq, logSeq };
    // Unknown while the log cannot be asked where it ends.
    if (h.connected) health.lag = logSeq - h.appliedSeq;
    if (redis !== undefined) health.redis = redis;
    if (replica !== undefined) health.replica = replica;
    if (h.stopped !== undefined) health.stopped = h.stopped;
    return health;
  }

  /** The tenants (internals: tests look into ledgers here; changes go through the engine). */
  get store(): MemoryStore {
    return this.state.tenants;
  }

  /** The tenant a Togai API credential works in (an arrow: stages are handed it on its own). */
  readonly tenantKeyForCredential = (credential: string): string =>
    this.options.isolateTenants ? tenantKeyFor(credential) : SHARED_TENANT;
}

/** The store's messages into the mock's JSON log (pino takes its fields first). */
function storeLoggerOf(logger: Logger): StoreLogger {
  return {
    info: (message, fields) => (fields === undefined ? logger.info(message) : logger.info(fields, message)),
    warn: (message, fields) => (fields === undefined ? logger.warn(message) : logger.warn(fields, message)),
    error: (message, fields) => (fields === undefined ? logger.error(message) : logger.error(fields, message)),
  };
}
