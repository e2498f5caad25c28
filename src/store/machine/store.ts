// Where ledgers live. Every access goes through a tenant key, so no handler
// can reach another tenant's credits by accident (LocalStack's per-account
// stores follow the same idea). Without tenant isolation every credential maps
// to the one well-known tenant SHARED_TENANT.
//
// A tenant owns its ledger, its clock and its pending provider states: one
// CI job moving time does not move it for a job that uses another tenant.
//
// Deterministic, like the ledger: the seed of a new tenant's ids is given by
// the caller (a command's entropy, drawn when it was stamped) or the store's
// seed option, and real time (for clocks that follow it) is a source the
// store is given. Nothing here draws or reads the wall clock.

import { createHash } from 'node:crypto';
import { MockClock, type TimeSource } from '../../domain/clock.js';
import { MockError } from '../../domain/errors.js';
import { EventStore, type EventStoreOptions, type EventsSnapshot } from '../../domain/events/event-store.js';
import { idSeedFor, seedFromText } from '../../domain/ids.js';
import { Ledger, type LedgerOptions } from '../../domain/ledger.js';
import { ProviderStateStack } from '../../domain/provider-states.js';
import { Directory, type DirectorySnapshot } from '../../domain/directory/directory.js';
import type { components } from '../../spec/control-types.gen.js';

export const SHARED_TENANT = 'shared';

export interface Tenant {
  readonly key: string;
  readonly ledger: Ledger;
  readonly clock: MockClock;
  /** Provider states set up and not yet torn down (POST /_mock/provider-states). */
  readonly providerStates: ProviderStateStack;
  /** Togai's customers, accounts (aliases, wallets) of the tenant: each ledger account has one here. */
  readonly directory: Directory;
  /** Ingested usage events (POST /ingest, /ingestBatch), with their statuses. */
  readonly events: EventStore;
}

/** The directory's id seed, apart from the ledger's (the same seed must not replay credit ids as customer ids). */
const directorySeed = (seed: number): number => (seed ^ 0x6a09e667) >>> 0;

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
  /** What a read sees of a tenant that does not exist yet: empty, following real time. */
  private readonly absent: Tenant;

  constructor(
    private readonly ledgerOptions: LedgerOptions,
    /** Real time for clocks that follow it: what reads and stamping see (apply uses commands' `at`). */
    private readonly realTime: TimeSource,
    private readonly limits: StoreLimits = {},
    /** Every tenant's event store: grace period and cap (TOGAI_MOCK_EVENT_GRACE_PERIOD_DAYS, TOGAI_MOCK_MAX_EVENTS). */
    private readonly eventOptions: EventStoreOptions = {},
  ) {
    this.absent = this.newTenant('', 0);
  }

  /**
   * The tenant for `key`, created empty on first use. Its ids follow the
   * store's seed option when there is one, else `seed` (uint32), which a new
   * tenant then needs (there is no random fallback).
   *
   * Past the tenant limit a new tenant is refused with 403: the credential is
   * not served (as an API refuses a key it will not serve; 403 is a status
   * every Credits operation documents) and, unlike a 429, retrying cannot help
   * until someone resets the mock or raises the limit. Existing tenants and
   * the shared one are always served; a restored snapshot may hold more (the
   * limit is on growth).
   */
  tenant(key: string, seed?: number): Tenant {
    let t = this.tenants.get(key);
    if (!t) {
      this.admitNew(key);
      const idSeed = this.ledgerOptions.seed ?? seed;
      if (idSeed === undefined) throw new Error(`MemoryStore.tenant: a new tenant (${key}) needs a seed`);
      t = this.newTenant(key, idSeed);
      this.tenants.set(key, t);
    }
    return t;
  }

  /**
   * The tenant for `key` as a read sees it, never creating it: a tenant
   * that does not exist yet reads as empty (no accounts, real time). Only
   * changes (commands) create tenants, so reads leave no trace in the state.
   * Past the tenant limit a credential without a tenant is refused on reads
   * too (403), so it is served all or not at all.
   */
  peek(key: string): Tenant {
    const t = this.tenants.get(key);
    if (t) return t;
    this.admitNew(key);
    return { ...this.absent, key };
  }

  /** Throws the 403 when a tenant for `key` would pass the limit. */
  private admitNew(key: string): void {
    const max = this.limits.maxTenants ?? 0;
    if (max <= 0 || key === SHARED_TENANT) return;
    const made = this.tenants.size - (this.tenants.has(SHARED_TENANT) ? 1 : 0);
    if (made >= max) {
      throw new MockError(
        'forbidden',
        `Tenant limit reached: ${made} tenants exist (TOGAI_MOCK_MAX_TENANTS=${max}); reset the mock or raise the limit`,
      );
    }
  }

  has(key: string): boolean {
    return this.tenants.has(key);
  }

  private newTenant(key: string, seed: number): Tenant {
    return {
      key,
      ledger: new Ledger({ ...this.ledgerOptions, seed }),
      clock: new MockClock(this.realTime),
      providerStates: new ProviderStateStack(),
      directory: this.newDirectory(seed),
      events: new EventStore(this.eventOptions),
    };
  }

  private newDirectory(seed: number): Directory {
    const options: { seed: number; defaultCurrency?: string } = { seed: directorySeed(seed) };
    if (this.ledgerOptions.defaultCurrency !== undefined) options.defaultCurrency = this.ledgerOptions.defaultCurrency;
    return new Directory(options);
  }

  /**
   * Makes a tenant's new ids follow `seed`, keeping its data and clock: after
   * this, the same seed on the same data makes the same ids. On data already
   * there the seed is mixed with its size (see idSeedFor).
   */
  reseedTenant(key: string, seed: number): Tenant {
    const t = this.tenant(key, seed);
    t.ledger.reseed(idSeedFor(seed, t.ledger.creditCount + t.ledger.accountCount));
    reseedDirectory(t, seed);
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
    return [...this.tenants.values()].map((t) => {
      const snap: TenantSnapshot = { key: t.key, clock: t.clock.toJSON(), ledger: t.ledger.snapshot() };
      if (t.providerStates.size > 0) snap.providerStates = t.providerStates.toJSON();
      snap.directory = t.directory.toJSON();
      // Only when there are some: a tenant without events writes what older versions wrote.
      if (t.events.size > 0) snap.events = t.events.snapshot();
      return snap;
    });
  }

  /**
   * Replaces all state with `tenants`. Everything is rebuilt aside first and
   * swapped in only when all of it loaded, so a bad snapshot changes nothing.
   * A ledger saved without its id state (by an older version) gets one
   * derived from the tenant's key and size: loading the same document
   * anywhere, any number of times, then makes the same ids.
   */
  restore(tenants: TenantSnapshot[]): void {
    const rebuilt = new Map<string, Tenant>();
    for (const s of tenants) {
      const derived = seedFromText(`${s.key}\u0000${s.ledger.accounts.length}\u0000${s.ledger.credits.length}`);
      const t: Tenant = {
        ...this.newTenant(s.key, ((this.ledgerOptions.seed ?? 0) ^ derived) >>> 0),
        providerStates: ProviderStateStack.fromJSON(s.providerStates),
      };
      t.ledger.restore(s.ledger);
      t.clock.restore(s.clock);
      if (s.directory !== undefined) t.directory.restore(s.directory as DirectorySnapshot);
      else adoptLedgerAccounts(t);
      t.events.restore(s.events as EventsSnapshot | undefined);
      rebuilt.set(s.key, t);
    }
    this.tenants.clear();
    for (const [k, t] of rebuilt) this.tenants.set(k, t);
  }
}

/**
 * Gives every ledger account without one a directory account (and its
 * customer when there is none), as if made when the ledger account was: after a snapshot
 * of an older version, and after seed, fixtures or provider states, which
 * make ledger accounts. Cheap when the two agree already (counts equal).
 */
export function adoptLedgerAccounts(t: Tenant): void {
  if (t.directory.accountCount === t.ledger.accountCount) return;
  for (const a of t.ledger.listAccounts()) {
    if (!t.directory.account(a.id)) t.directory.adoptAccount(a.id, a.customerId, a.currency, a.createdAt);
  }
}

/**
 * Makes the directory's new ids follow `seed` (as a seed does the ledger's,
 * domain/seed.ts): the same seed on the same data makes the same customers'
 * and accounts' ids in every process.
 */
export function reseedDirectory(t: Tenant, seed: number): void {
  t.directory.idState = directorySeed(idSeedFor(seed, t.directory.customerCount + t.directory.accountCount));
}
