// Where ledgers live. Every access goes through a tenant key, so no handler
// can reach another tenant's credits by accident (LocalStack's per-account
// stores follow the same idea). Without tenant isolation every credential maps
// to the one well-known tenant SHARED_TENANT.
//
// A tenant owns its ledger and its clock: one CI job moving time does not
// move it for a job that uses another tenant.

import { createHash } from 'node:crypto';
import { MockClock, type TimeSource } from '../domain/clock.js';
import { MockError } from '../domain/errors.js';
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

export interface StoreLimits {
  /**
   * Tenants that may exist besides the shared one (TOGAI_MOCK_MAX_TENANTS);
   * 0 or absent: no limit. With isolated tenants every new credential makes
   * one, so without a token list this is what bounds memory.
   */
  maxTenants?: number;
}

export class MemoryStore {
  private readonly tenants = new Map<string, Tenant>();

  constructor(
    private readonly ledgerOptions: LedgerOptions = {},
    private readonly realTime: TimeSource = Date.now,
    private readonly limits: StoreLimits = {},
  ) {}

  /**
   * The tenant for `key`, created empty on first use. Past the tenant limit a
   * new tenant is refused with 403: the credential is not served (as an API
   * refuses a key it will not serve; 403 is a status every Credits operation
   * documents) and, unlike a 429, retrying cannot help until someone resets
   * the mock or raises the limit. Existing tenants and the shared one are
   * always served; a restored snapshot may hold more (the limit is on growth).
   */
  tenant(key: string): Tenant {
    let t = this.tenants.get(key);
    if (!t) {
      const max = this.limits.maxTenants ?? 0;
      const made = this.tenants.size - (this.tenants.has(SHARED_TENANT) ? 1 : 0);
      if (max > 0 && key !== SHARED_TENANT && made >= max) {
        throw new MockError(
          'forbidden',
          `Tenant limit reached: ${made} tenants exist (TOGAI_MOCK_MAX_TENANTS=${max}); reset the mock or raise the limit`,
        );
      }
      t = { key, ledger: new Ledger(this.ledgerOptions), clock: new MockClock(this.realTime) };
      this.tenants.set(key, t);
    }
    return t;
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
   */
  restore(tenants: TenantSnapshot[]): void {
    const rebuilt = new Map<string, Tenant>();
    for (const s of tenants) {
      const t: Tenant = { key: s.key, ledger: new Ledger(this.ledgerOptions), clock: new MockClock(this.realTime) };
      t.ledger.restore(s.ledger);
      t.clock.restore(s.clock);
      rebuilt.set(s.key, t);
    }
    this.tenants.clear();
    for (const [k, t] of rebuilt) this.tenants.set(k, t);
  }
}
