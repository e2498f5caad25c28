// Puts data into a tenant: realistic accounts and credits from a seeded faker
// (POST /_mock/seed, TOGAI_MOCK_SEED at start-up) and accounts and credits
// from a fixture document (POST /_mock/fixtures, TOGAI_MOCK_FIXTURES).
//
// Both are all or nothing: the tenant's ledger is snapshotted first and put
// back if anything fails. Seeding also reseeds the tenant's id generator, so
// the same seed on an empty tenant gives the same accounts, credits and ids
// (values that depend on "today" are taken from the tenant's clock).

import { readFileSync } from 'node:fs';
import type { Faker } from '@faker-js/faker';
import type { ValidateFunction } from 'ajv';
import { DAY_MS, dayStart, utcDate } from '../domain/dates.js';
import { MockError, invalid } from '../domain/errors.js';
import type { AccountRecord } from '../domain/records.js';
import type { components } from '../spec/control-types.gen.js';
import { describeError } from '../spec/messages.js';
import type { Credit, CreditRequest } from '../spec/types.js';
import type { MemoryStore, Tenant } from '../store/store.js';

export const DEFAULT_SEED_ACCOUNTS = 5;
export const DEFAULT_SEED_CREDITS_PER_ACCOUNT = 3;

export interface SeedPlan {
  seed: number;
  accounts: number;
  creditsPerAccount: number;
}

export interface Seeded {
  accounts: AccountRecord[];
  credits: Credit[];
}

const PURPOSES = ['PREPAID_CREDIT', 'PROMOTIONAL_CREDIT', 'SIGNUP_BONUS', 'SERVICE_CREDIT', 'REFERRAL_BONUS', 'GOODWILL'];

/** Runs `change` on the tenant's ledger; if it throws, the ledger is put back as it was. */
function allOrNothing<T>(tenant: Tenant, change: () => T): T {
  const before = tenant.ledger.snapshot();
  try {
    return change();
  } catch (err) {
    tenant.ledger.restore(before);
    throw err;
  }
}

/**
 * A Faker with English data seeded with `seed`. Loaded on first use, not at
 * start-up (issue 6), and from the English locale module: the package's
 * main module loads every locale, several times slower. That module's
 * `faker` is an instance of the same Faker class built from en + base, so
 * a new instance from its class and definitions makes the same data as
 * `new Faker({ locale: [en, base], seed })`; its shared instance is left alone.
 */
export async function seededFaker(seed: number): Promise<Faker> {
  const { faker } = await import('@faker-js/faker/locale/en');
  const FakerClass = faker.constructor as typeof Faker;
  return new FakerClass({ locale: faker.rawDefinitions, seed });
}

export async function seedTenant(store: MemoryStore, key: string, plan: SeedPlan): Promise<Seeded> {
  // Awaited before anything changes, so the rest runs in one go as before.
  const f = await seededFaker(plan.seed);
  const tenant = store.reseedTenant(key, plan.seed);
  const { ledger, clock } = tenant;
  const now = clock.now();
  const today = dayStart(utcDate(now));
  return allOrNothing(tenant, () => {
    const out: Seeded = { accounts: [], credits: [] };
    for (let i = 0; i < plan.accounts; i++) {
      const company = f.company.name();
      let accountId: string;
      do {
        const slug = f.helpers.slugify(company).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 30);
        accountId = `acc-${slug}-${f.string.alphanumeric({ length: 4, casing: 'lower' })}`;
      } while (ledger.getAccount(accountId));
      const account = ledger.createAccount(
        {
          accountId,
          customerId: `cus_${f.string.alphanumeric({ length: 14 })}`,
          currency: f.helpers.weightedArrayElement([
            { weight: 6, value: 'USD' },
            { weight: 2, value: 'EUR' },
            { weight: 1, value: 'GBP' },
            { weight: 1, value: 'INR' },
          ]),
        },
        now,
      );
      out.accounts.push(account);
      const requests: CreditRequest[] = [];
      for (let j = 0; j < plan.creditsPerAccount; j++) {
        // Mostly credits in effect now; some not yet in effect, some already lapsed.
        const kind = f.helpers.weightedArrayElement([
          { weight: 7, value: 'current' },
          { weight: 2, value: 'future' },
          { weight: 1, value: 'lapsed' },
        ]);
        const from =
          kind === 'future'
            ? today + f.number.int({ min: 1, max: 30 }) * DAY_MS
            : today - f.number.int({ min: kind === 'lapsed' ? 120 : 0, max: kind === 'lapsed' ? 365 : 90 }) * DAY_MS;
        const until =
          kind === 'lapsed'
            ? today - f.number.int({ min: 1, max: 30 }) * DAY_MS
            : f.datatype.boolean(0.8)
              ? from + f.number.int({ min: 30, max: 365 }) * DAY_MS
              : undefined;
        const request: CreditRequest = {
          accountId,
          purpose: f.helpers.arrayElement(PURPOSES),
          effectiveFrom: utcDate(from),
          creditAmount: f.number.int({ min: 1, max: 100 }) * 50,
          priority: f.number.int({ min: 1, max: 5 }),
          applicableEntityIds: f.datatype.boolean(0.2) ? ['ALL_USAGE_METER_RATE_CARDS'] : [],
        };
        if (until !== undefined) request.effectiveUntil = utcDate(Math.max(until, from));
        if (f.datatype.boolean(0.3)) {
          request.grantorId = `addon.${f.string.alphanumeric(11)}.${f.string.alphanumeric(5)}`;
        }
        requests.push(request);
      }
      if (requests.length > 0) out.credits.push(...ledger.grant(requests, now));
    }
    return out;
  });
}

type FixturesSchema = components['schemas']['Fixtures'];
/**
 * The control spec's Fixtures document. Its schema can only sketch a credit
 * (`{id?}`: CreditRequest lives in the Credits spec, checked per entry by
 * loadFixtures), so here each credit is a CreditRequest with that optional id.
 */
export type Fixtures = Omit<FixturesSchema, 'credits'> & {
  credits?: Array<CreditRequest & NonNullable<FixturesSchema['credits']>[number]>;
};

/**
 * Loads fixtures into a tenant. Each credit is checked against the Credits
 * spec's CreditRequest schema (`validateCredit`) after taking out its `id`.
 */
export function loadFixtures(tenant: Tenant, fixtures: Fixtures, validateCredit: ValidateFunction): Seeded {
  const credits = fixtures.credits ?? [];
  const requests: CreditRequest[] = [];
  const ids: Array<string | undefined> = [];
  credits.forEach((c, i) => {
    const { id, ...request } = c;
    if (!validateCredit(request)) throw invalid(describeError(validateCredit.errors![0]!, `credits[${i}]`, `credits[${i}]`));
    requests.push(request);
    ids.push(id);
  });
  const now = tenant.clock.now();
  return allOrNothing(tenant, () => {
    const accounts = (fixtures.accounts ?? []).map((a, i) => {
      try {
        return tenant.ledger.createAccount(a, now);
      } catch (err) {
        if (err instanceof MockError) throw new MockError(err.kind, `accounts[${i}]: ${err.message}`);
        throw err;
      }
    });
    let granted: Credit[] = [];
    if (requests.length > 0) {
      try {
        granted = tenant.ledger.grant(requests, now, ids);
      } catch (err) {
        // The ledger names entries creditRequests[i]; in a fixture they are credits[i].
        if (err instanceof MockError) throw new MockError(err.kind, err.message.replace(/creditRequests\[/g, 'credits['));
        throw err;
      }
    }
    return { accounts, credits: granted };
  });
}

/** Reads a fixture file; any problem is reported with the file's name. */
export function readFixtureFile(path: string): Fixtures {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read fixture file ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as Fixtures;
  } catch (err) {
    throw new Error(`fixture file ${path} is not valid JSON: ${(err as Error).message}`);
  }
}
