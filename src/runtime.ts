// Everything one running mock holds: resolved options, the state and the
// engine that changes it through a command log (memory, or the state file's
// log), the journal and the rate limiter's counts, the compiled specs, the
// logger and the response self-check record. Built once per server; only
// the assembly (app.ts, server.ts, index.ts) sees it whole: each stage and
// handler is handed the parts it uses.

import { resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { creditRequestCheck } from './control/seed.js';
import type { CreditRequestCheck } from './domain/seed.js';
import { CONTROL_SPEC_FILE, CREDITS_SPEC_FILE, loadSpec } from './spec/load.js';
import { compileOperations, type SpecValidators } from './spec/operations.js';
import { precompiledValidators } from './spec/precompiled.js';
import { MockMachine, type MockEngine } from './store/apply.js';
import { Engine } from './store/engine.js';
import { Journal } from './store/journal.js';
import { FileLog } from './store/log/file.js';
import { MemoryLog } from './store/log/memory.js';
import type { CommandLog } from './store/log/types.js';
import { RateLimiter } from './store/rate-limiter.js';
import type { RateCounter } from './store/shared/types.js';
import { MockState } from './store/state.js';
import { SHARED_TENANT, tenantKeyFor, type MemoryStore } from './store/store.js';
import type { TogaiMockOptions } from './options.js';

/** Parts a test may replace. */
export interface RuntimeOverrides {
  /** The command log; default: the state file's (TOGAI_MOCK_STATE_FILE), else memory. */
  log?: CommandLog | undefined;
}

export class MockRuntime {
  readonly state: MockState;
  /** Every change goes through it; reads too (engine.read). */
  readonly engine: MockEngine;
  readonly credits: SpecValidators;
  readonly control: SpecValidators;
  readonly logger: Logger;
  /** Responses that did not match spec/ (only recorded with validateResponses). */
  readonly selfCheckFailures: string[] = [];
  /** Togai API requests as clients sent them (GET /_mock/requests). */
  readonly journal: Journal;
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
    this.control = compileOperations(loadSpec(CONTROL_SPEC_FILE), 'togai-mock-control', {
      precompiled: precompiledValidators(CONTROL_SPEC_FILE),
    });
    let checkCredit: CreditRequestCheck | undefined;
    this.state = new MockState({
      defaultCurrency: options.defaultCurrency,
      strictAccounts: options.strictAccounts,
      seed: options.seed,
      rateLimit: options.rateLimit,
      maxTenants: options.maxTenants,
    });
    const machine = new MockMachine(this.state, {
      validateSnapshot: () => this.control.schema('Snapshot'),
      checkCreditRequest: () => (checkCredit ??= creditRequestCheck(this.credits.schema('CreditRequest'))),
    });
    this.engine = new Engine(overrides.log ?? logFor(options), machine, this.logger);
    this.journal = new Journal(options.journalLimit);
    this.rateCounter = new RateLimiter();
  }

  /** The tenants (internals: tests look into ledgers here; changes go through the engine). */
  get store(): MemoryStore {
    return this.state.tenants;
  }

  /** The tenant a Togai API credential works in (an arrow: stages are handed it on its own). */
  readonly tenantKeyForCredential = (credential: string): string =>
    this.options.isolateTenants ? tenantKeyFor(credential) : SHARED_TENANT;
}

/** The log the options ask for. */
function logFor(options: TogaiMockOptions): CommandLog {
  if (options.stateFile === undefined) return new MemoryLog();
  return new FileLog(resolve(options.stateFile), { snapshotEveryEntries: options.stateSnapshotEvery });
}
