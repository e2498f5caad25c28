// Everything one running mock holds: resolved options, the tenant store, the
// fault rules, rate limiter and journal (all in store/), the compiled specs,
// the logger and the response self-check record. Built once per server; only
// the assembly (app.ts, server.ts, index.ts) sees it whole: each stage and
// handler is handed the parts it uses.

import { pino, type Logger } from 'pino';
import { CONTROL_SPEC_FILE, CREDITS_SPEC_FILE, loadSpec } from './spec/load.js';
import { compileOperations, type SpecValidators } from './spec/operations.js';
import { precompiledValidators } from './spec/precompiled.js';
import { FaultRules } from './store/fault-rules.js';
import { Journal, type RequestJournal } from './store/journal.js';
import { RateLimiter } from './store/rate-limiter.js';
import { MemoryStore, SHARED_TENANT, tenantKeyFor, type Tenant } from './store/store.js';
import type { Health } from './control/handlers.js';
import type { TogaiMockOptions } from './options.js';

export class MockRuntime {
  readonly store: MemoryStore;
  readonly credits: SpecValidators;
  readonly control: SpecValidators;
  readonly logger: Logger;
  /** Responses that did not match spec/ (only recorded with validateResponses). */
  readonly selfCheckFailures: string[] = [];
  /** Togai API requests as clients sent them (GET /_mock/requests). */
  readonly journal: RequestJournal;
  /** Fault rules (POST /_mock/faults) and the per-credential rate limit. */
  readonly faults: FaultRules;
  readonly rateLimiter: RateLimiter;

  constructor(readonly options: TogaiMockOptions) {
    this.store = new MemoryStore({
      defaultCurrency: options.defaultCurrency,
      strictAccounts: options.strictAccounts,
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    });
    // Request validators come from the build when it made them (see spec/precompiled.ts).
    this.credits = compileOperations(loadSpec(CREDITS_SPEC_FILE), 'togai-credits', {
      precompiled: precompiledValidators(CREDITS_SPEC_FILE),
    });
    this.control = compileOperations(loadSpec(CONTROL_SPEC_FILE), 'togai-mock-control', {
      precompiled: precompiledValidators(CONTROL_SPEC_FILE),
    });
    this.journal = new Journal(options.journalLimit);
    this.faults = new FaultRules(options.seed);
    this.rateLimiter = new RateLimiter(options.rateLimit);
    this.logger = pino({ level: options.logLevel, base: { service: 'togai-mock' } });
  }

  /** The tenant a Togai API credential works in (an arrow: stages are handed it on its own). */
  readonly tenantKeyForCredential = (credential: string): string =>
    this.options.isolateTenants ? tenantKeyFor(credential) : SHARED_TENANT;

  /** GET /_mock/health: where the state is kept, and whether it can be reached. */
  health(): Health {
    return { status: 'ok', backend: this.options.stateFile === undefined ? 'memory' : 'file', connected: true, lag: 0 };
  }

  tenant(key: string): Tenant {
    return this.store.tenant(key);
  }
}
