// Where ledgers live. Every access goes through a tenant key, so no handler
// can reach another tenant's credits by accident (LocalStack's per-account
// stores follow the same idea). Without tenant isolation every credential maps
// to the one well-known tenant SHARED_TENANT.
//
// A tenant owns its ledger and its clock: one CI job moving time does not
// move it for a job that uses another tenant.

import { createHash } from 'node:crypto';
import { MockClock, type TimeSource } from '../domain/clock.js';
import { Ledger, type LedgerOptions } from '../domain/ledger.js';
import type { components } from '../spec/control-types.gen.js';

export const SHARED_TENANT = 'shared';

export interface Tenant {
  readonly key: string;
  readonly ledger: Ledger;
  readonly clock: MockClock;
}

/** One tenant in the snapshot document (its `ledger` is what Ledger.snapshot() writes). */
export type TenantSnapshot = components['schemas']['TenantSnapshot'];

/**
 * The tenant key of a credential when tenants are isolated: a short hash, so
 * the journal, the state file and error messages never show the secret.
 */
export function tenantKeyFor(credential: string): string {
  return `t_${createHash('sha256').update(credential).digest('hex').slice(0, 16)}`;
}

export class MemoryStore {
  private readonly tenants = new Map<string, Tenant>();
  /** What a read sees of a tenant that does not exist yet: empty, following real time. */
  private readonly absent: Tenant;

  constructor(
    private readonly ledgerOptions: LedgerOptions = {},
    private readonly realTime: TimeSource = Date.now,
  ) {
    this.absent = { key: '', ledger: new Ledger(ledgerOptions), clock: new MockClock(realTime) };
  }

  /**
   * The tenant for `key`, created empty on first use. Its ids follow `seed`
   * when given, else the store's configured seed (random without one).
   */
  tenant(key: string, seed?: number): Tenant {
    let t = this.tenants.get(key);
    if (!t) {
      t = this.fresh(key, seed);
      this.tenants.set(key, t);
    }
    return t;
  }

  /**
   * The tenant for `key` as a read sees it, never creating it: a tenant
   * that does not exist yet reads as empty (no accounts, real time). Only
   * changes (commands) create tenants, so reads leave no trace in the state.
   */
  peek(key: string): Tenant {
    return this.tenants.get(key) ?? { ...this.absent, key };
  }

  has(key: string): boolean {
    return this.tenants.has(key);
  }

  private fresh(key: string, seed: number | undefined): Tenant {
    const options = seed === undefined ? this.ledgerOptions : { ...this.ledgerOptions, seed };
    return { key, ledger: new Ledger(options), clock: new MockClock(this.realTime) };
  }

  /**
   * Gives a tenant a ledger whose new ids follow `seed`, keeping its data and
   * clock: after this, the same seed on the same data makes the same ids.
   */
  reseedTenant(key: string, seed: number): Tenant {
    const old = this.tenant(key);
    // On data already there, the seed is mixed with its size, so seeding twice
    // with one seed does not replay the ids (transaction ids are not checked
    // for collisions). An empty tenant uses the seed as given.
    const size = old.ledger.creditCount + old.ledger.accountCount;
    const idSeed = size === 0 ? seed : (seed ^ Math.imul(size, 0x9e3779b1)) >>> 0;
    const ledger = new Ledger({ ...this.ledgerOptions, seed: idSeed });
    ledger.restore(old.ledger.snapshot());
    const t: Tenant = { key, ledger, clock: old.clock };
    this.tenants.set(key, t);
    return t;
  }

  /** Tenants that exist so far. */
  keys(): string[] {
    return [...this.tenants.keys()];
  }

  /** Forgets every tenant: all credits, accounts, holds and clocks. */
  reset(): void {
    this.tenants.clear();
  }

  /** Forgets one tenant. */
  resetTenant(key: string): void {
    this.tenants.delete(key);
  }

  snapshot(): TenantSnapshot[] {
    return [...this.tenants.values()].map((t) => ({ key: t.key, clock: t.clock.toJSON(), ledger: t.ledger.snapshot() }));
  }

  /**
   * Replaces all state with `tenants`. Everything is rebuilt aside first and
   * swapped in only when all of it loaded, so a bad snapshot changes nothing.
   * `seedOf` gives each rebuilt tenant's id seed (default: the store's).
   */
  restore(tenants: TenantSnapshot[], seedOf?: (key: string) => number | undefined): void {
    const rebuilt = new Map<string, Tenant>();
    for (const s of tenants) {
      const t = this.fresh(s.key, seedOf?.(s.key));
      t.ledger.restore(s.ledger);
      t.clock.restore(s.clock);
      rebuilt.set(s.key, t);
    }
    this.tenants.clear();
    for (const [k, t] of rebuilt) this.tenants.set(k, t);
  }
}
