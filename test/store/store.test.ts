// The tenant store: where a new tenant's id seed comes from, reseeding in
// place, and what a tenant snapshot keeps (the id generator's state, pending
// provider states); an older snapshot without an id state loads to the same
// ids wherever and however often it is loaded.

import { describe, expect, it } from 'vitest';
import { MemoryStore, type TenantSnapshot } from '../../src/store/machine/store.js';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const REAL_TIME = (): number => NOW;
const grant = (store: MemoryStore, key: string, accountId = 'ACC') =>
  store
    .tenant(key)
    .ledger.grant([{ accountId, purpose: 'P', effectiveFrom: '2025-01-01', priority: 1, creditAmount: 5 }], NOW)[0]!.id;

describe('MemoryStore', () => {
  it('seeds a new tenant with the seed it is given, else the store option; never a random one', () => {
    const a = new MemoryStore({}, REAL_TIME);
    const b = new MemoryStore({}, REAL_TIME);
    a.tenant('t', 123);
    b.tenant('t', 123);
    expect(grant(a, 't')).toBe(grant(b, 't'));
    a.tenant('u', 1);
    b.tenant('u', 2);
    expect(grant(a, 'u')).not.toBe(grant(b, 'u'));
    // No seed and no seed option: refused rather than drawn (the stamping side draws, into the command).
    expect(() => a.tenant('v')).toThrow(/needs a seed/);
    // The store's seed option (TOGAI_MOCK_SEED) wins: ids reproducible whatever else.
    const c = new MemoryStore({ seed: 9 }, REAL_TIME);
    const d = new MemoryStore({ seed: 9 }, REAL_TIME);
    c.tenant('t', 1);
    d.tenant('t', 2);
    expect(grant(c, 't')).toBe(grant(d, 't'));
  });

  it('reseeds a tenant in place, keeping its data, clock and pending provider states', () => {
    const store = new MemoryStore({}, REAL_TIME);
    const t = store.tenant('t', 1);
    const first = grant(store, 't');
    t.clock.set(NOW);
    t.providerStates.setup(t.ledger, NOW, 'an account exists', { accountId: 'PS' });
    expect(store.reseedTenant('t', 77)).toBe(t);
    expect(t.ledger.has(first)).toBe(true);
    expect(t.clock.now()).toBe(NOW);
    expect(t.providerStates.size).toBe(1);
    // On data already there the seed is mixed with its size: another store with the same data agrees.
    const other = new MemoryStore({}, REAL_TIME);
    other.restore(store.snapshot());
    other.reseedTenant('t', 77);
    expect(grant(other, 't', 'X')).toBe(grant(store, 't', 'X'));
  });

  it('keeps the id state and pending provider states in the snapshot', () => {
    const store = new MemoryStore({}, REAL_TIME);
    const t = store.tenant('t', 5);
    t.providerStates.setup(t.ledger, NOW, 'an account has an active credit', {
      accountId: 'PS',
      creditId: 'cred.stateCredit.00001',
    });
    const snap = JSON.parse(JSON.stringify(store.snapshot())) as TenantSnapshot[];
    expect(snap[0]!.ledger.idState).toBe(t.ledger.idState);
    expect(snap[0]!.providerStates).toHaveLength(1);
    const copy = new MemoryStore({}, REAL_TIME);
    copy.restore(snap);
    const c = copy.tenant('t');
    expect(grant(copy, 't', 'X')).toBe(grant(store, 't', 'X'));
    c.providerStates.teardown(c.ledger, 'an account has an active credit', {
      accountId: 'PS',
      creditId: 'cred.stateCredit.00001',
    });
    expect(c.ledger.getAccount('PS')).toBeUndefined();
    expect(c.ledger.has('cred.stateCredit.00001')).toBe(false);
    // No pending states, no field.
    expect(copy.snapshot()[0]!.providerStates).toBeUndefined();
  });

  it('loads a snapshot without an id state to the same ids every time', () => {
    const store = new MemoryStore({}, REAL_TIME);
    store.tenant('t', 3);
    grant(store, 't');
    const [old] = store.snapshot();
    delete old!.ledger.idState;
    const once = new MemoryStore({}, REAL_TIME);
    const again = new MemoryStore({}, REAL_TIME);
    once.restore([structuredClone(old!)]);
    again.restore([structuredClone(old!)]);
    expect(grant(once, 't', 'X')).toBe(grant(again, 't', 'X'));
  });
});
