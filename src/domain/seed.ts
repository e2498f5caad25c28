// Puts data into a ledger: realistic accounts and credits from a seeded faker
// (POST /_mock/seed, TOGAI_MOCK_SEED at start-up) and accounts and credits
// from a fixture document (POST /_mock/fixtures, TOGAI_MOCK_FIXTURES).
//
// Both are synchronous. Fixtures are checked entirely before anything is
// stored; what could still fail half-way is taken back by the command that
// runs them (the state machine runs every command in Ledger.atomically). Seeding
// is deterministic: it also reseeds the ledger's id generator, so the same
// seed on the same ledger at the same `now` gives the same accounts, credits
// and ids (values that depend on "today" are taken from `now`).

import type { Faker } from '@faker-js/faker';
import type { components } from '../spec/control-types.gen.js';
import type { Credit, CreditRequest } from '../spec/types.js';
import { DAY_MS, dayStart, utcDate } from './dates.js';
import { MockError, invalid } from './errors.js';
import { idSeedFor } from './ids.js';
import type { Ledger } from './ledger.js';
import type { AccountRecord } from './records.js';

export interface SeedPlan {
  seed: number;
  accounts: number;
  creditsPerAccount: number;
}

export interface Seeded {
  accounts: AccountRecord[];
  credits: Credit[];
}

/** Makes a Faker with English data seeded with the given seed. */
export type SeedFaker = (seed: number) => Faker;

const PURPOSES = [
  'PREPAID_CREDIT',
  'PROMOTIONAL_CREDIT',
  'SIGNUP_BONUS',
  'SERVICE_CREDIT',
  'REFERRAL_BONUS',
  'GOODWILL',
];

/**
 * Loads the seeding Faker on first use, not at start-up (which it would slow down), and from
 * the English locale module: the package's main module loads every locale,
 * several times slower. That module's `faker` is an instance of the same
 * Faker class built from en + base, so a new instance from its class and
 * definitions makes the same data as `new Faker({ locale: [en, base], seed })`;
 * its shared instance is left alone.
 */
export async function loadSeedFaker(): Promise<SeedFaker> {
  const { faker } = await import('@faker-js/faker/locale/en');
  const FakerClass = faker.constructor as typeof Faker;
  return (seed) => new FakerClass({ locale: faker.rawDefinitions, seed });
}

/** A Faker with English data seeded with `seed` (loadSeedFaker, for one use). */
export async function seededFaker(seed: number): Promise<Faker> {
  return (await loadSeedFaker())(seed);
}

/**
 * Seeds `plan.accounts` accounts with `plan.creditsPerAccount` credits each
 * at `now`. The ledger's ids are reseeded with `plan.seed` first (mixed with
 * the ledger's size when it is not empty, so seeding twice does not replay
 * ids).
 */
export function seedLedger(makeFaker: SeedFaker, ledger: Ledger, plan: SeedPlan, now: number): Seeded {
  const f = makeFaker(plan.seed);
  const today = dayStart(utcDate(now));
  ledger.settle(now);
  ledger.reseed(idSeedFor(plan.seed, ledger.creditCount + ledger.accountCount));
  const out: Seeded = { accounts: [], credits: [] };
  for (let i = 0; i < plan.accounts; i++) {
    const company = f.company.name();
    let accountId: string;
    do {
      const slug = f.helpers
        .slugify(company)
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '')
        .slice(0, 30);
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
 * Checks one fixture credit (without its `id`) against the Credits spec's
 * CreditRequest: the problem as a sentence naming the entry as `where`
 * (`credits[1].priority must be integer`), or undefined when it is fine.
 */
export type CreditRequestCheck = (request: unknown, where: string) => string | undefined;

/**
 * Loads fixtures into a ledger at `now`: its accounts, then its credits
 * (each with its fixed id, if it has one). Everything is checked before
 * anything is stored: each credit against the Credits spec
 * (`validateCreditRequest`), then accounts that exist already or come twice,
 * then what the ledger would refuse the credits for.
 */
export function loadFixtures(
  ledger: Ledger,
  fixtures: Fixtures,
  validateCreditRequest: CreditRequestCheck,
  now: number,
): Seeded {
  const requests: CreditRequest[] = [];
  const ids: Array<string | undefined> = [];
  (fixtures.credits ?? []).forEach((c, i) => {
    const { id, ...request } = c;
    const problem = validateCreditRequest(request, `credits[${i}]`);
    if (problem !== undefined) throw invalid(problem);
    requests.push(request);
    ids.push(id);
  });
  const inputs = fixtures.accounts ?? [];
  const newAccounts = new Set<string>();
  inputs.forEach((a, i) => {
    if (ledger.getAccount(a.accountId) !== undefined || newAccounts.has(a.accountId)) {
      throw new MockError('conflict', `accounts[${i}]: Account ${a.accountId} already exists`);
    }
    newAccounts.add(a.accountId);
  });
  ledger.settle(now);
  // The ledger names entries creditRequests[i]; in a fixture they are credits[i].
  const asFixture = (err: unknown): unknown =>
    err instanceof MockError ? new MockError(err.kind, err.message.replace(/creditRequests\[/g, 'credits[')) : err;
  try {
    ledger.checkGrant(requests, ids, newAccounts);
  } catch (err) {
    throw asFixture(err);
  }
  const accounts = inputs.map((a) => ledger.createAccount(a, now));
  return { accounts, credits: requests.length > 0 ? ledger.grant(requests, now, ids) : [] };
}
