// Seeded data and fixtures: the same seed on an empty store gives the same
// accounts, credits and ids; fixtures load all or nothing; both also at start-up.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { seededFaker } from '../../src/domain/seed.js';
import { startTogaiMock } from '../../src/index.js';
import { optionsFromEnv } from '../../src/options.js';
import { startTestMock, type TestMock } from '../helpers/mock.js';

let a: TestMock;
let b: TestMock;
beforeAll(async () => {
  [a, b] = await Promise.all([startTestMock(), startTestMock()]);
});

const seedBody = { seed: 42, accounts: 4, creditsPerAccount: 3 };
const freeze = (m: TestMock) => m.call('PUT', '/_mock/clock', { body: { now: '2024-06-01T00:00:00Z' } });

describe('POST /_mock/seed', () => {
  it('gives the same accounts, credits and ids for the same seed on an empty store', async () => {
    await Promise.all([freeze(a), freeze(b)]);
    const [ra, rb] = await Promise.all([
      a.call('POST', '/_mock/seed', { body: seedBody }),
      b.call('POST', '/_mock/seed', { body: seedBody }),
    ]);
    expect(ra.status).toBe(200);
    expect(ra.body.seed).toBe(42);
    expect(ra.body.accounts).toHaveLength(4);
    expect(ra.body.credits).toHaveLength(12);
    expect(rb.body).toEqual(ra.body);
    // Same all the way down: transaction ids and the whole state.
    const [sa, sb] = await Promise.all([a.call('GET', '/_mock/state'), b.call('GET', '/_mock/state')]);
    expect(sb.body.tenants).toEqual(sa.body.tenants);
    // The data is what the Togai API then serves.
    const list = await a.call('GET', '/credits?pageSize=50');
    expect(list.body.data.map((c: any) => c.id)).toEqual(ra.body.credits.map((c: any) => c.id));
    for (const c of ra.body.credits) expect(c.id).toMatch(/^cred\.[0-9A-Za-z]{11}\.[0-9A-Za-z]{5}$/);
  });

  it('gives different data for another seed, and realistic values', async () => {
    await Promise.all([a.call('POST', '/_mock/reset'), b.call('POST', '/_mock/reset')]);
    await Promise.all([freeze(a), freeze(b)]);
    const [ra, rb] = await Promise.all([
      a.call('POST', '/_mock/seed', { body: { ...seedBody, seed: 1 } }),
      b.call('POST', '/_mock/seed', { body: { ...seedBody, seed: 2 } }),
    ]);
    expect(ra.body.credits[0].id).not.toBe(rb.body.credits[0].id);
    for (const acc of ra.body.accounts) {
      expect(acc.accountId).toMatch(/^acc-[a-z0-9-]+$/);
      expect(['USD', 'EUR', 'GBP', 'INR']).toContain(acc.currency);
    }
    for (const c of ra.body.credits) {
      expect(c.creditAmount).toBeGreaterThan(0);
      expect(c.effectiveFrom).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });

  it('seeds with defaults and a random seed when the body is empty, and validates counts', async () => {
    await a.call('POST', '/_mock/reset');
    const r = await a.call('POST', '/_mock/seed');
    expect(r.status).toBe(200);
    expect(typeof r.body.seed).toBe('number');
    expect(r.body.accounts).toHaveLength(5);
    expect(r.body.credits).toHaveLength(15);
    const bad = await a.call('POST', '/_mock/seed', { body: { seed: 1, accounts: -1 } });
    expect(bad).toMatchObject({ status: 400, body: { message: 'accounts must be >= 0' } });
  });
});

describe('fixtures', () => {
  it('loads accounts and credits (with fixed ids) over HTTP', async () => {
    await a.call('POST', '/_mock/reset');
    await freeze(a);
    const r = await a.call('POST', '/_mock/fixtures', {
      body: {
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
      },
    });
    expect(r.status).toBe(200);
    expect(r.body.accounts).toEqual([
      expect.objectContaining({ accountId: 'FX1', currency: 'EUR', customerId: 'CUST-FX1' }),
    ]);
    expect(r.body.credits.map((c: any) => c.id)[0]).toBe('cred.fixture00001.00001');
    expect(r.body.credits[0]).toMatchObject({ creditUnit: 'EUR', customerId: 'CUST-FX1', status: 'ACTIVE' });
    expect((await a.call('GET', '/credits/cred.fixture00001.00001')).status).toBe(200);
  });

  it('stores nothing when one entry is bad, and names it', async () => {
    await a.call('POST', '/_mock/reset');
    const r = await a.call('POST', '/_mock/fixtures', {
      body: {
        accounts: [{ accountId: 'OK1' }],
        credits: [
          { accountId: 'OK1', purpose: 'P', effectiveFrom: '2024-01-01', priority: 1 },
          { accountId: 'OK1', purpose: 'P', effectiveFrom: '2024-01-01', priority: 'high' },
        ],
      },
    });
    expect(r).toMatchObject({ status: 400, body: { message: 'credits[1].priority must be integer' } });
    const dup = await a.call('POST', '/_mock/fixtures', {
      body: { accounts: [{ accountId: 'OK1' }, { accountId: 'OK1' }] },
    });
    expect(dup).toMatchObject({ status: 409, body: { message: 'accounts[1]: Account OK1 already exists' } });
    expect((await a.call('GET', '/_mock/accounts')).body.total).toBe(0);
  });
});

describe('at start-up', () => {
  it('seeds data with seedAccounts (what TOGAI_MOCK_SEED sets), then loads a fixture file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'togai-mock-fixtures-'));
    const file = join(dir, 'fixtures.json');
    writeFileSync(
      file,
      JSON.stringify({
        accounts: [{ accountId: 'FILE-ACC' }],
        credits: [{ accountId: 'FILE-ACC', purpose: 'P', effectiveFrom: '2024-01-01', creditAmount: 10, priority: 1 }],
      }),
    );
    const m = await startTogaiMock({ seed: 7, seedAccounts: 2, seedCreditsPerAccount: 1, fixturesFile: file });
    try {
      const accounts = (await (await fetch(`${m.url}/_mock/accounts`)).json()) as {
        total: number;
        accounts: Array<{ accountId: string }>;
      };
      expect(accounts.total).toBe(3);
      expect(accounts.accounts[2]?.accountId).toBe('FILE-ACC');
    } finally {
      await m.close();
    }
  });

  it('TOGAI_MOCK_SEED alone seeds 5 accounts x 3 credits; the counts have their own variables', () => {
    expect(optionsFromEnv({ TOGAI_MOCK_SEED: '42' })).toMatchObject({ seed: 42, seedAccounts: 5 });
    expect(optionsFromEnv({ TOGAI_MOCK_SEED: '42', TOGAI_MOCK_SEED_ACCOUNTS: '0' })).toMatchObject({
      seed: 42,
      seedAccounts: 0,
    });
    expect(optionsFromEnv({ TOGAI_MOCK_SEED_CREDITS: '7' })).toMatchObject({ seedCreditsPerAccount: 7 });
    expect(() => optionsFromEnv({ TOGAI_MOCK_SEED_ACCOUNTS: 'many' })).toThrow(
      'TOGAI_MOCK_SEED_ACCOUNTS must be a whole number 0-1000 (got "many")',
    );
  });

  it('does not seed again over a loaded state file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'togai-mock-fixtures-')), 'state.json');
    const options = { seed: 42, seedAccounts: 5, stateFile: file };
    const first = await startTogaiMock(options);
    const count = async (url: string): Promise<number> =>
      ((await (await fetch(`${url}/_mock/accounts`)).json()) as { total: number }).total;
    expect(await count(first.url)).toBe(5);
    await first.close();
    const second = await startTogaiMock(options);
    try {
      expect(await count(second.url)).toBe(5);
    } finally {
      await second.close();
    }
  });

  it('refuses to start on a bad fixture file, naming the file and the problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'togai-mock-fixtures-'));
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({ credits: [{ accountId: 'X', purpose: 'P', effectiveFrom: 'soon', priority: 1 }] }),
    );
    await expect(startTogaiMock({ fixturesFile: file })).rejects.toThrow(
      `fixture file ${file} cannot be loaded: credits[0].effectiveFrom must be a calendar date (YYYY-MM-DD)`,
    );
  });
});

describe('the seeding Faker', () => {
  it("makes the same data as the full package's Faker with English data, and leaves the shared instance alone", async () => {
    // seed.ts loads only the English locale module (start-up time); seeded data must not change because of it.
    const { Faker, base, en } = await import('@faker-js/faker');
    const { faker: shared } = await import('@faker-js/faker/locale/en');
    shared.seed(7);
    const sharedNext = shared.number.int();
    shared.seed(7);
    const sample = (f: InstanceType<typeof Faker>): unknown[] =>
      Array.from({ length: 20 }, () => [
        f.company.name(),
        f.string.alphanumeric({ length: 4, casing: 'lower' }),
        f.helpers.weightedArrayElement([
          { weight: 6, value: 'USD' },
          { weight: 1, value: 'INR' },
        ]),
        f.number.int({ min: 1, max: 100 }),
        f.datatype.boolean(0.3),
        f.helpers.slugify('Acme & Co'),
      ]);
    for (const seed of [0, 1, 42, 2 ** 31 - 1]) {
      expect(sample(await seededFaker(seed))).toEqual(sample(new Faker({ locale: [en, base], seed })));
    }
    expect(shared.number.int()).toBe(sharedNext);
  });
});
