// Seeding and fixtures on a ledger (domain/seed.ts): seeding is synchronous
// and deterministic (same ledger, seed and time: same data and ids), and
// both are all or nothing without copying the ledger.

import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Directory } from '../../src/domain/directory/directory.js';
import { MockError } from '../../src/domain/errors.js';
import { EventStore } from '../../src/domain/events/event-store.js';
import { Ledger } from '../../src/domain/ledger.js';
import {
  loadFixtures,
  loadSeedFaker,
  seedLedger,
  seedTenant,
  type CreditRequestCheck,
  type Fixtures,
  type SeedFaker,
} from '../../src/domain/seed.js';
import { engineOn } from '../store/engine-support.js';

const NOW = Date.parse('2024-06-01T00:00:00Z');
const plan = { seed: 42, accounts: 4, creditsPerAccount: 3 };
let makeFaker: SeedFaker;
beforeAll(async () => {
  makeFaker = await loadSeedFaker();
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** A stand-in for the Credits spec's check: priority must be an integer. */
const check: CreditRequestCheck = (r, where) =>
  Number.isInteger((r as { priority?: unknown }).priority) ? undefined : `${where}.priority must be integer`;

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof MockError) return `${err.kind}: ${err.message}`;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('seedLedger', () => {
  it('gives the same data and ids for the same seed on equal ledgers, without copying them', () => {
    const a = new Ledger({ seed: 1 });
    const b = new Ledger({ seed: 2 }); // another tenant seed: the plan's seed decides the ids
    const spies = [vi.spyOn(a, 'snapshot'), vi.spyOn(a, 'restore')];
    const made = seedLedger(makeFaker, a, plan, NOW);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    vi.restoreAllMocks();
    expect(seedLedger(makeFaker, b, plan, NOW)).toEqual(made);
    expect(b.snapshot()).toEqual(a.snapshot());
    expect(made.accounts).toHaveLength(4);
    expect(made.credits).toHaveLength(12);
    // Some seeded credits have lapsed already: they expired at once, drawing no id.
    expect(a.list({ pageSize: 50, status: 'EXPIRED' }, NOW).credits.length).toBeGreaterThan(0);
  });

  it('seeding again with the same seed adds new data, not the same ids', () => {
    const l = new Ledger({ seed: 1 });
    const first = seedLedger(makeFaker, l, plan, NOW);
    const second = seedLedger(makeFaker, l, plan, NOW);
    expect(l.creditCount).toBe(24);
    const firstIds = new Set(first.credits.map((c) => c.id));
    expect(second.credits.some((c) => firstIds.has(c.id))).toBe(false);
  });

  it('takes back everything, the id generator included, when it fails half-way', () => {
    const l = new Ledger({ seed: 1 });
    l.grant([{ accountId: 'KEEP', purpose: 'P', effectiveFrom: '2024-01-01', priority: 1, creditAmount: 5 }], NOW);
    const before = l.snapshot();
    let calls = 0;
    const failing: SeedFaker = (seed) => {
      const f = makeFaker(seed);
      const name = f.company.name.bind(f.company);
      f.company.name = () => {
        if (++calls === 3) throw new Error('faker broke');
        return name();
      };
      return f;
    };
    // As the state machine runs every command: in Ledger.atomically.
    expect(() => l.atomically(() => seedLedger(failing, l, plan, NOW))).toThrow('faker broke');
    expect(l.snapshot()).toEqual(before);
  });
});

describe('loadFixtures', () => {
  const fixtures = {
    accounts: [{ accountId: 'FX1', customerId: 'CUST-FX1', currency: 'EUR' }],
    credits: [
      {
        id: 'cred.fixture00001.00001',
        accountId: 'FX1',
        purpose: 'PREPAID',
        effectiveFrom: '2024-01-01',
        creditAmount: 500,
        priority: 1,
      },
      { accountId: 'FX2', purpose: 'PROMO', effectiveFrom: '2024-01-01', creditAmount: 50, priority: 2 },
    ],
  };

  it('loads accounts, then credits with their fixed ids', () => {
    const l = new Ledger({ seed: 1, strictAccounts: false });
    const made = loadFixtures(l, fixtures, check, NOW);
    expect(made.accounts.map((a) => a.id)).toEqual(['FX1']);
    expect(made.credits[0]).toMatchObject({ id: 'cred.fixture00001.00001', creditUnit: 'EUR', customerId: 'CUST-FX1' });
    expect(l.creditCount).toBe(2);
  });

  it('stores nothing when one credit is bad, whatever finds it, and names it', () => {
    const l = new Ledger({ seed: 1 });
    l.grant([{ accountId: 'OLD', purpose: 'P', effectiveFrom: '2024-01-01', priority: 1 }], NOW, [
      'cred.takenTaken1.00001',
    ]);
    const before = l.snapshot();
    const spies = [vi.spyOn(l, 'snapshot'), vi.spyOn(l, 'restore')];
    // As sent: fixtures come from outside, so a credit may be anything until checked.
    const bad = (credit: Record<string, unknown>) =>
      ({ ...fixtures, credits: [...fixtures.credits, credit] }) as Fixtures;
    const base = { accountId: 'FX1', purpose: 'P', effectiveFrom: '2024-01-01', priority: 1 };
    expect(refusal(() => loadFixtures(l, bad({ ...base, priority: 'high' }), check, NOW))).toBe(
      'invalid: credits[2].priority must be integer',
    );
    expect(refusal(() => loadFixtures(l, bad({ ...base, creditAmount: -1 }), check, NOW))).toBe(
      'invalid: credits[2].creditAmount must not be negative',
    );
    expect(refusal(() => loadFixtures(l, bad({ ...base, id: 'cred.takenTaken1.00001' }), check, NOW))).toBe(
      'conflict: credits[2]: a credit with id cred.takenTaken1.00001 already exists',
    );
    expect(
      refusal(() =>
        loadFixtures(l, { ...fixtures, accounts: [...fixtures.accounts, { accountId: 'FX1' }] }, check, NOW),
      ),
    ).toBe('conflict: accounts[1]: Account FX1 already exists');
    expect(refusal(() => loadFixtures(l, { accounts: [{ accountId: 'OLD' }] }, check, NOW))).toBe(
      'conflict: accounts[0]: Account OLD already exists',
    );
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    vi.restoreAllMocks();
    expect(l.snapshot()).toEqual(before);
  });

  it('with strict accounts, counts the fixture accounts as existing and refuses others before storing anything', () => {
    const l = new Ledger({ seed: 1, strictAccounts: true });
    const before = l.snapshot();
    expect(refusal(() => loadFixtures(l, fixtures, check, NOW))).toBe(
      'not_found: credits[1].accountId: account FX2 does not exist',
    );
    expect(l.snapshot()).toEqual(before);
    const ok = { ...fixtures, credits: fixtures.credits.slice(0, 1) };
    expect(loadFixtures(l, ok, check, NOW).credits).toHaveLength(1);
  });
});

describe('seedTenant', () => {
  const tenantPlan = { ...plan, topUpsPerAccount: 2, eventsPerAccount: 3 };
  const data = () => {
    const directory = new Directory({ seed: 9 });
    return { ledger: new Ledger({ seed: 1 }), directory, events: new EventStore() };
  };
  const snap = (d: ReturnType<typeof data>) =>
    JSON.stringify({ ledger: d.ledger.snapshot(), directory: d.directory.toJSON(), events: d.events.snapshot() });

  it('gives the same customers, accounts, wallets, credits and events for the same seed', () => {
    const a = data();
    const b = data();
    const made = seedTenant(makeFaker, a, tenantPlan, NOW);
    expect(seedTenant(makeFaker, b, tenantPlan, NOW)).toEqual(made);
    expect(snap(b)).toBe(snap(a));
    expect(made.accounts).toHaveLength(4);
    expect(made.credits).toHaveLength(12);
    expect(made.walletTopUps).toBe(8);
    expect(made.events).toHaveLength(12);
    // Each account is its customer's, in the directory and the ledger alike, with the same currency.
    for (const account of made.accounts) {
      const d = a.directory.account(account.id)!;
      expect(d.customerId).toBe(account.customerId);
      expect(d.invoiceCurrency).toBe(account.currency);
      expect(a.directory.customer(d.customerId)!.accountIds).toContain(account.id);
    }
    // Seeding again adds new data: no event is a duplicate of the first seed's.
    const again = seedTenant(makeFaker, a, tenantPlan, NOW);
    expect(again.events!.every((e) => e.status === 'INGESTION_COMPLETED_NO_MATCHING_METERS')).toBe(true);
  });

  it('takes back the ledger, directory and events alike when it fails half-way', () => {
    const d = data();
    seedTenant(makeFaker, d, { ...tenantPlan, accounts: 1 }, NOW);
    const before = snap(d);
    let calls = 0;
    const failing: SeedFaker = (seed) => {
      const f = makeFaker(seed);
      const name = f.company.name.bind(f.company);
      f.company.name = () => {
        // The second customer (four accounts need at least two): the first one is stored by then.
        if (++calls === 2) throw new Error('faker broke');
        return name();
      };
      return f;
    };
    // As the state machine runs every command: in each part's atomically, nested.
    expect(() =>
      d.ledger.atomically(() =>
        d.directory.atomically(() => d.events.atomically(() => seedTenant(failing, d, tenantPlan, NOW))),
      ),
    ).toThrow('faker broke');
    expect(snap(d)).toBe(before);
  });
});

describe('a seed command logged by an earlier version', () => {
  it('replays as it was made then: ledger accounts and credits only, no wallets or events', async () => {
    const engine = engineOn();
    await engine.start();
    const made = await engine.execute({ type: 'seed', tenant: 'shared', seed: 4, accounts: 2, creditsPerAccount: 1 });
    expect(made.customers).toBeUndefined();
    for (const a of made.accounts) expect(a.customerId).toMatch(/^cus_/);
    const t = engine.state.tenants.peek('shared');
    expect(t.events.size).toBe(0);
    expect(t.directory.customer(made.accounts[0]!.customerId)!.name).toBe(`Customer ${made.accounts[0]!.customerId}`);
  });
});
