// Everything the log's commands change, in one object: the tenants (ledgers
// and clocks, store.ts), the fault rules and the rate limit set through the
// control API. apply.ts is the one function that changes it; the engine
// (engine.ts) owns it; reads look at it directly.
//
// Not in here, on purpose: the journal and the rate limiter's counts. They
// describe requests, not state, and are kept per process or shared on their
// own (services/types.ts).

import type { TimeSource } from '../../domain/clock.js';
import { FaultRules } from './fault-rules.js';
import { MemoryStore, type Tenant } from './store.js';

export interface StateConfig {
  /** Currency of accounts that do not name one. */
  defaultCurrency: string;
  /** Accounts must exist before credits are granted to them. */
  strictAccounts: boolean;
  /** The configured seed (--seed): every tenant's ids follow it, as they always did. */
  seed?: number | undefined;
  /** The rate limit until one is set through the control API (0: none). */
  rateLimit: number;
  /** Tenants that may exist besides the shared one (0 or absent: no limit). */
  maxTenants?: number | undefined;
  /** Days an event's timestamp may lie in the past (default 35). */
  eventGracePeriodDays?: number | undefined;
  /** Events each tenant may hold (default 2,000,000); past it 507. */
  maxEvents?: number | undefined;
  /** Real time, for clocks that are not frozen (reads and stamping only: apply uses each command's `at`). */
  realTime: TimeSource;
}

export class MockState {
  readonly tenants: MemoryStore;
  readonly faults = new FaultRules();
  /** The rate limit set through the control API; undefined: the configured one. */
  rateLimitSet: number | undefined;

  constructor(readonly config: StateConfig) {
    this.tenants = new MemoryStore(
      {
        defaultCurrency: config.defaultCurrency,
        strictAccounts: config.strictAccounts,
        ...(config.seed === undefined ? {} : { seed: config.seed }),
      },
      config.realTime,
      config.maxTenants === undefined ? {} : { maxTenants: config.maxTenants },
      {
        ...(config.eventGracePeriodDays === undefined ? {} : { gracePeriodDays: config.eventGracePeriodDays }),
        ...(config.maxEvents === undefined ? {} : { maxEvents: config.maxEvents }),
      },
    );
  }

  get rateLimit(): number {
    return this.rateLimitSet ?? this.config.rateLimit;
  }

  /**
   * The tenant a command acts on, created on first use. A new tenant's ids
   * follow the configured seed, else the command's entropy, else (a command
   * accepted while the tenant existed, applied after a reset removed it) a
   * seed derived from its key and time: the same in every process.
   */
  tenantFor(key: string, entropy: number | undefined, at: number): Tenant {
    if (this.tenants.has(key)) return this.tenants.tenant(key);
    return this.tenants.tenant(key, this.config.seed ?? entropy ?? derivedSeed(key, at));
  }

  /** Forgets every tenant, fault rule and the rate limit set (the state of a fresh start). */
  clear(): void {
    this.tenants.reset();
    this.faults.clear();
    this.faults.restore(undefined);
    this.rateLimitSet = undefined;
  }
}

/** FNV-1a of the key, mixed with a time: a seed every process derives alike. */
function derivedSeed(key: string, at: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return (h ^ Math.imul(Math.floor(at / 1000) >>> 0, 0x9e3779b1)) >>> 0;
}
