// Everything one running mock holds: resolved options, the state and the
// engine that changes it through a command log, the journal and the rate
// limiter's counts, the compiled specs, the logger and the response
// self-check record. Built once per server; only the assembly (app.ts,
// server.ts, index.ts) sees it whole: each stage and handler is handed the
// parts it uses, behind interfaces that do not say where state is kept.
//
// Where it is kept comes from the options, here and nowhere else: memory; the
// state file (its log on local disk); or Redis, where the log is a stream
// shared by every replica on the same URL and prefix, and the journal and the
// rate limit's counts are shared through the same connection.

import { resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { creditRequestCheck } from './control/seed.js';
import type { CreditRequestCheck } from './domain/seed.js';
import { CONTROL_SPEC_FILE, CREDITS_SPEC_FILE, loadSpec } from './spec/load.js';
import { compileOperations, type SpecValidators } from './spec/operations.js';
import { precompiledValidators } from './spec/precompiled.js';
import type { MockEngine } from './store/machine/apply.js';
import { MockMachine } from './store/machine/mock-machine.js';
import { wallClock } from './store/machine/stamp.js';
import { Engine } from './store/machine/engine.js';
import { Journal, type RequestJournal } from './store/services/journal.js';
import { FileLog } from './store/backends/file/log.js';
import { MemoryLog } from './store/backends/memory.js';
import { RedisLog } from './store/backends/redis/log.js';
import type { CommandLog } from './store/backends/types.js';
import { RateLimiter } from './store/services/rate-limiter.js';
import type { RedisLogger } from './store/backends/redis/connection.js';
import { RedisJournalStore } from './store/backends/redis/journal.js';
import { RedisRateCounter } from './store/backends/redis/rate.js';
import { SharedJournal } from './store/services/request-journal.js';
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
  readonly control: SpecValidators;
  readonly logger: Logger;
  /** Responses that did not match spec/ (only recorded with validateResponses). */
  readonly selfCheckFailures: string[] = [];
  /** Togai API requests as clients sent them (GET /_mock/requests). */
  readonly journal: RequestJournal;
  /** Requests counted against the rate limit (the limit itself is state). */
  readonly rateCounter: RateCounter;
  /** How this process names itself to the other replicas (Redis only). */
  readonly replica: string | undefined;

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
      realTime: wallClock,
    });
    const machine = new MockMachine(this.state, {
      now: wallClock,
      validateSnapshot: () => this.control.schema('Snapshot'),
      checkCreditRequest: () => (checkCredit ??= creditRequestCheck(this.credits.schema('CreditRequest'))),
    });
    const log = overrides.log ?? logFor(options, this.logger);
    this.engine = new Engine(log, machine, this.logger);
    if (log instanceof RedisLog) {
      // The replicas' journal and rate counts, on the log's connection (closed with it).
      const shared = { connection: log.connection, prefix: log.prefix };
      this.replica = log.replicaId;
      this.journal = new SharedJournal(new RedisJournalStore({ ...shared, limit: options.journalLimit, replica: log.replicaId, logger: redisLogger(this.logger) }));
      this.rateCounter = new RedisRateCounter(shared);
    } else {
      this.replica = undefined;
      this.journal = new Journal(options.journalLimit);
      this.rateCounter = new RateLimiter();
    }
  }

  /** GET /_mock/health: where the state is kept, whether it can be reached, and how far behind this process is. */
  async health(): Promise<Health> {
    const h = await this.engine.health();
    const logSeq = Math.max(h.lastSeq, h.appliedSeq);
    const health: Health = { status: h.connected ? 'ok' : 'degraded', backend: h.backend, connected: h.connected, appliedSeq: h.appliedSeq, logSeq };
    // Unknown while the log cannot be asked where it ends.
    if (h.connected) health.lag = logSeq - h.appliedSeq;
    if (h.backend === 'redis') {
      const d = (h.detail ?? {}) as Record<string, unknown>;
      const text = (key: string): string | undefined => (typeof d[key] === 'string' ? (d[key] as string) : undefined);
      const redis: NonNullable<Health['redis']> = { url: text('url') ?? '', prefix: text('prefix') ?? '' };
      for (const key of ['appendonly', 'appendfsync', 'warning', 'error'] as const) {
        const value = text(key);
        if (value !== undefined) redis[key] = value;
      }
      if (typeof d.durable === 'boolean' || d.durable === 'unknown') redis.durable = d.durable;
      health.redis = redis;
      if (this.replica !== undefined) health.replica = this.replica;
    }
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

/** The log the options ask for (options.ts refuses a state file and Redis together). */
function logFor(options: TogaiMockOptions, logger: Logger): CommandLog {
  if (options.redisUrl !== undefined) {
    return new RedisLog({ url: options.redisUrl, prefix: options.redisPrefix, snapshotEvery: options.stateSnapshotEvery, logger: redisLogger(logger) });
  }
  if (options.stateFile !== undefined) return new FileLog(resolve(options.stateFile), { snapshotEveryEntries: options.stateSnapshotEvery });
  return new MemoryLog();
}

/** The Redis store's messages into the mock's JSON log. */
const redisLogger = (logger: Logger): RedisLogger => ({
  warn: (message) => logger.warn(message),
  info: (message) => logger.info(message),
});
