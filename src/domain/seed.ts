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
import { MockError, invalid, notFound } from './errors.js';
import { idSeedFor } from './ids.js';
import type { Directory } from './directory/directory.js';
import type { AccountRecord as DirectoryAccount, ContactInput, CustomerRecord } from './directory/records.js';
import { EVENT_STATUSES, type EventPayload, type EventStore, type IngestOutcome } from './events/event-store.js';
import type { Ledger } from './ledger.js';
import type { AccountRecord } from './records.js';
import type * as Togai from '../spec/accounts-types.js';

export interface SeedPlan {
  seed: number;
  accounts: number;
  creditsPerAccount: number;
}

export interface Seeded {
  accounts: AccountRecord[];
  credits: Credit[];
  /** Customers made (seedTenant, loadTenantFixtures). */
  customers?: CustomerRecord[];
  /** Wallet top-up entries written. */
  walletTopUps?: number;
  /** Events ingested, with the status each got. */
  events?: IngestOutcome[];
}

/** What seeding a tenant makes per account, besides its credits. */
export interface TenantSeedPlan extends SeedPlan {
  topUpsPerAccount: number;
  eventsPerAccount: number;
}

/** The parts of a tenant that seed and fixtures fill. */
export interface TenantData {
  ledger: Ledger;
  directory: Directory;
  events: EventStore;
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
    const requests = seedCreditRequests(f, accountId, plan.creditsPerAccount, today);
    if (requests.length > 0) out.credits.push(...ledger.grant(requests, now));
  }
  return out;
}

/** A company name as an id part: lower case, dashes, at most 30 characters. */
function slugOf(f: Faker, name: string): string {
  const slug = f.helpers
    .slugify(name)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 30);
  return slug === '' ? 'company' : slug;
}

const CURRENCIES = [
  { weight: 6, value: 'USD' },
  { weight: 2, value: 'EUR' },
  { weight: 1, value: 'GBP' },
  { weight: 1, value: 'INR' },
];
const REGIONS = ['US', 'EU', 'APAC'];
/** Usage event schemas a seeded account sends: its name, its one attribute and unit. */
const EVENT_KINDS = [
  { schemaName: 'api_calls', attribute: 'calls', unit: 'requests', max: 500 },
  { schemaName: 'storage', attribute: 'gigabytes', unit: 'GB', max: 80 },
  { schemaName: 'compute', attribute: 'cpu_seconds', unit: 'seconds', max: 3600 },
];
const DATA_CENTRES = ['us-east-1', 'eu-west-1', 'ap-south-1'];
/** How far back seeded events go (less when the grace period is shorter, so they all complete). */
const EVENT_SPREAD_MINUTES = 3 * 24 * 60;

/**
 * Seeds a whole tenant at `now`: `plan.accounts` accounts, each of a
 * customer (one customer has one or two accounts) with a realistic name,
 * email and address (and sometimes a contact), each account with its wallet
 * topped up `plan.topUpsPerAccount` times, `plan.creditsPerAccount` credits
 * in its currency and `plan.eventsPerAccount` usage events (some sent by
 * its alias), all completed. Ledger ids are reseeded with `plan.seed` as
 * seedLedger does (the caller reseeds the directory's); event ids are made
 * of the account's id, which is never given again, so seeding again adds
 * events and never duplicates one.
 */
export function seedTenant(makeFaker: SeedFaker, data: TenantData, plan: TenantSeedPlan, now: number): Seeded {
  const { ledger, directory } = data;
  const f = makeFaker(plan.seed);
  const today = dayStart(utcDate(now));
  ledger.settle(now);
  ledger.reseed(idSeedFor(plan.seed, ledger.creditCount + ledger.accountCount));
  const out: Seeded & Required<Pick<Seeded, 'customers'>> = {
    accounts: [],
    credits: [],
    customers: [],
    walletTopUps: 0,
  };
  const spread = Math.max(0, Math.min(EVENT_SPREAD_MINUTES, data.events.gracePeriodDays * 24 * 60 - 1));
  const toIngest: EventPayload[] = [];
  const taken = (id: string) => ledger.getAccount(id) !== undefined || directory.account(id) !== undefined;
  while (out.accounts.length < plan.accounts) {
    const raw = f.company.name();
    const company = (raw.length >= 3 ? raw : `${raw} Inc`).slice(0, 255);
    const slug = slugOf(f, company);
    const domain = `${slug}.example`;
    let customerId: string;
    do customerId = `cus-${slug}-${f.string.alphanumeric({ length: 4, casing: 'lower' })}`;
    while (directory.customer(customerId) !== undefined);
    const { customer } = directory.createCustomer(
      {
        id: customerId,
        name: company,
        primaryEmail: `billing@${domain}`,
        address: {
          line1: f.location.streetAddress(),
          city: f.location.city(),
          state: f.location.state({ abbreviated: true }),
          postalCode: f.location.zipCode(),
          country: f.location.countryCode(),
          phoneNumber: f.phone.number({ style: 'international' }),
        },
      },
      now,
    );
    out.customers.push(customer);
    if (f.datatype.boolean(0.5)) {
      const firstName = f.person.firstName();
      const lastName = f.person.lastName();
      directory.createContact(
        customerId,
        {
          name: `${firstName} ${lastName}`.slice(0, 50),
          email: f.internet.email({ firstName, lastName, provider: domain }).toLowerCase(),
          verified: f.datatype.boolean(),
        },
        now,
      );
    }
    const currency = f.helpers.weightedArrayElement(CURRENCIES);
    const count = Math.min(
      plan.accounts - out.accounts.length,
      f.helpers.weightedArrayElement([
        { weight: 3, value: 1 },
        { weight: 1, value: 2 },
      ]),
    );
    for (let k = 0; k < count; k++) {
      let accountId: string;
      do accountId = `acc-${slug}-${f.string.alphanumeric({ length: 4, casing: 'lower' })}`;
      while (taken(accountId));
      let alias: string | undefined;
      if (f.datatype.boolean(0.3)) {
        const value = `${slug}-${f.string.alphanumeric({ length: 6, casing: 'lower' })}`;
        // A value someone already claimed is left out rather than failing the seed.
        if (!taken(value) && directory.resolveForEvent(value, now) === undefined) alias = value;
      }
      const input: DirectoryAccountInput = {
        id: accountId,
        name: count > 1 ? `${company} ${REGIONS[k]!}`.slice(0, 255) : company,
        invoiceCurrency: currency,
        primaryEmail: customer.primaryEmail,
      };
      if (alias !== undefined) input.aliases = [alias];
      directory.createAccount(customerId, input, now);
      out.accounts.push(ledger.createAccount({ accountId, customerId, currency }, now));
      for (let j = 0; j < plan.topUpsPerAccount; j++) {
        directory.topUp(accountId, f.number.int({ min: 1, max: 40 }) * 25, now);
        out.walletTopUps! += 1;
      }
      const requests = seedCreditRequests(f, accountId, plan.creditsPerAccount, today);
      if (requests.length > 0) out.credits.push(...ledger.grant(requests, now));
      for (let j = 0; j < plan.eventsPerAccount; j++) {
        const kind = f.helpers.arrayElement(EVENT_KINDS);
        toIngest.push({
          id: `evt-${accountId}-${j + 1}`,
          schemaName: kind.schemaName,
          timestamp: new Date(now - f.number.int({ min: 0, max: spread }) * 60_000).toISOString(),
          accountId: alias !== undefined && f.datatype.boolean(0.5) ? alias : accountId,
          attributes: [
            { name: kind.attribute, value: String(f.number.int({ min: 1, max: kind.max })), unit: kind.unit },
          ],
          dimensions: { region: f.helpers.arrayElement(DATA_CENTRES) },
        });
      }
    }
  }
  // In the order they happened, as a client streaming usage would have sent them.
  toIngest.sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
  if (toIngest.length > 0) out.events = data.events.ingest(toIngest, now, directory);
  return out;
}

type DirectoryAccountInput = Togai.CreateAccountRequestWithoutCustomerId;

/** `count` realistic credit requests for `accountId`, dated around `today`. */
function seedCreditRequests(f: Faker, accountId: string, count: number, today: number): CreditRequest[] {
  const requests: CreditRequest[] = [];
  for (let j = 0; j < count; j++) {
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
  return requests;
}

type ControlSchemas = components['schemas'];
/** An account as this API's AccountInput describes it (`accountId`): a ledger account first. */
export type LedgerAccountFixture = ControlSchemas['AccountInput'];
/** A contact of a fixture customer: its password, if any, is hashed before the command is logged. */
export type FixtureContact = ContactInput;
export type FixtureCustomer = Togai.CreateCustomerRequest & { contacts?: FixtureContact[] };
export type FixtureAccount = LedgerAccountFixture | Togai.CreateAccountRequest;
export type WalletFixture = ControlSchemas['WalletFixture'];

/**
 * The control spec's Fixtures document. Its schema only sketches the
 * entries that live in the Togai specs (customers, Togai accounts, events,
 * credits: each checked per entry against its Togai schema when loaded), so
 * here they have their Togai types.
 */
export interface Fixtures {
  customers?: FixtureCustomer[];
  accounts?: FixtureAccount[];
  wallets?: WalletFixture[];
  events?: EventPayload[];
  credits?: Array<CreditRequest & { id?: string }>;
}

/** Whether a fixture account is this API's AccountInput (`accountId`) rather than a Togai CreateAccountRequest. */
export function isLedgerAccountFixture(a: FixtureAccount): a is LedgerAccountFixture {
  return Object.hasOwn(a, 'accountId');
}

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
  const inputs = (fixtures.accounts ?? []).map((a, i) => {
    if (!isLedgerAccountFixture(a)) throw invalid(`accounts[${i}]: a Togai account needs the tenant's directory`);
    return a;
  });
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

/** The Togai (or control) schemas fixture entries are checked against. */
export type FixtureSchema =
  'CreateCustomerRequest' | 'CreateCustomerContactRequest' | 'CreateAccountRequest' | 'AccountInput' | 'Event';

/**
 * Checks one fixture entry against its schema (the Togai accounts spec's, or
 * the control spec's AccountInput): the problem as a sentence naming the
 * field by its path from `where` (`customers[0].address.city must be
 * string`), or undefined when it is fine.
 */
export type FixtureCheck = (schema: FixtureSchema, value: unknown, where: string) => string | undefined;

/** Names the entry a directory or ledger refusal is about (`customers[1]: Customer C1 already exists`). */
function within<T>(where: string, change: () => T): T {
  try {
    return change();
  } catch (err) {
    if (err instanceof MockError) throw new MockError(err.kind, `${where}: ${err.message}`);
    throw err;
  }
}

/** Why a fixture event was not completed, in the words of its fields. */
function eventRefusal(outcome: IngestOutcome, event: EventPayload, where: string): string {
  switch (outcome.status) {
    case 'INGESTION_FAILED_NO_EVENT_ID':
      return `${where}.id is required (an event without one is not stored as completed)`;
    case 'INGESTION_FAILED_ACCOUNT_NOT_FOUND':
      return `${where}.accountId: ${event.accountId} is no open account, nor an alias of one at ${event.timestamp}`;
    case 'INGESTION_FAILED_DUPLICATE_EVENT':
      return `${where}.id: event ${event.id ?? ''} is ingested already (within 45 days)`;
    default:
      return `${where}: the event would be stored as ${outcome.status}, not completed`;
  }
}

/**
 * Loads a fixture document into a tenant at `now`, in this order:
 * customers (with their embedded account and contacts), accounts (Togai's
 * CreateAccountRequest, or AccountInput for a ledger account first), credits,
 * wallet top-ups, events (each must complete; the grace period does not
 * apply). Every entry is checked against its schema before anything is
 * stored; what the directory, ledger or events refuse later is named by
 * its entry. The caller runs it all or nothing (the tenant's atomically):
 * a refusal half-way leaves nothing behind.
 */
export function loadTenantFixtures(
  data: TenantData,
  fixtures: Fixtures,
  check: FixtureCheck,
  checkCredit: CreditRequestCheck,
  now: number,
): Seeded {
  const { ledger, directory, events } = data;
  const fail = (problem: string | undefined): void => {
    if (problem !== undefined) throw invalid(problem);
  };
  const customers = fixtures.customers ?? [];
  const accounts = fixtures.accounts ?? [];
  const wallets = fixtures.wallets ?? [];
  const eventList = fixtures.events ?? [];
  customers.forEach((c, i) => {
    const { contacts, ...customer } = c;
    fail(check('CreateCustomerRequest', customer, `customers[${i}]`));
    if (contacts === undefined) return;
    if (!Array.isArray(contacts)) throw invalid(`customers[${i}].contacts must be array`);
    contacts.forEach((k, j) => {
      // The hash stands for the password, which was checked before it was hashed.
      const contact = k !== null && typeof k === 'object' ? { ...k, passwordHash: undefined } : k;
      if (contact !== null && typeof contact === 'object') delete contact.passwordHash;
      fail(check('CreateCustomerContactRequest', contact, `customers[${i}].contacts[${j}]`));
    });
  });
  accounts.forEach((a, i) =>
    fail(check(isLedgerAccountFixture(a) ? 'AccountInput' : 'CreateAccountRequest', a, `accounts[${i}]`)),
  );
  eventList.forEach((e, i) => fail(check('Event', e, `events[${i}]`)));
  // Credits are checked by loadFixtures, before it stores any.
  (fixtures.credits ?? []).forEach((c, i) => {
    const { id: _id, ...request } = c;
    fail(checkCredit(request, `credits[${i}]`));
  });

  ledger.settle(now);
  const out: Seeded & Required<Pick<Seeded, 'customers'>> = {
    accounts: [],
    credits: [],
    customers: [],
    walletTopUps: 0,
  };
  const ledgerAccountOf = (a: DirectoryAccount): void => {
    out.accounts.push(
      ledger.createAccount({ accountId: a.id, customerId: a.customerId, currency: a.invoiceCurrency }, now),
    );
  };
  const accountFree = (id: string): void => {
    if (ledger.getAccount(id) !== undefined || directory.account(id) !== undefined) {
      throw new MockError('conflict', `Account ${id} already exists`);
    }
  };

  customers.forEach((c, i) =>
    within(`customers[${i}]`, () => {
      const { contacts, ...input } = c;
      if (input.account !== undefined) within('account', () => accountFree(input.account!.id));
      const made = directory.createCustomer(input, now);
      out.customers.push(made.customer);
      if (made.account !== undefined) ledgerAccountOf(made.account);
      (contacts ?? []).forEach((k, j) => within(`contacts[${j}]`, () => directory.createContact(c.id, k, now)));
    }),
  );
  const ledgerAccounts: LedgerAccountFixture[] = [];
  accounts.forEach((a, i) =>
    within(`accounts[${i}]`, () => {
      if (isLedgerAccountFixture(a)) {
        accountFree(a.accountId);
        const account = ledger.createAccount(a, now);
        out.accounts.push(account);
        directory.adoptAccount(account.id, account.customerId, account.currency, now);
        ledgerAccounts.push(a);
        return;
      }
      accountFree(a.id);
      const { customerId, ...input } = a;
      ledgerAccountOf(directory.createAccount(customerId, input, now));
    }),
  );

  const credits = fixtures.credits ?? [];
  credits.forEach((c, i) => {
    const a = directory.account(c.accountId);
    if (a?.status === 'ARCHIVED') {
      throw invalid(`credits[${i}].accountId: account ${c.accountId} is ARCHIVED (deleted) and takes no credits`);
    }
  });
  if (credits.length > 0) {
    out.credits = loadFixtures(ledger, { credits }, checkCredit, now).credits;
    // An account a credit made on first use gets its directory account (and implicit customer);
    // like those of wallets below, it is not in `accounts`, which lists what the fixture made.
    for (const c of credits) {
      const a = ledger.getAccount(c.accountId);
      if (a !== undefined && directory.account(a.id) === undefined) {
        directory.adoptAccount(a.id, a.customerId, a.currency, now);
      }
    }
  }

  wallets.forEach((w, i) =>
    within(`wallets[${i}]`, () => {
      if (directory.account(w.accountId) === undefined) {
        if (ledger.strictAccounts) throw notFound(`accountId: account ${w.accountId} does not exist`);
        accountFree(w.accountId);
        const account = ledger.createAccount({ accountId: w.accountId }, now);
        directory.adoptAccount(account.id, account.customerId, account.currency, now);
      }
      w.topUps.forEach((amount, j) => within(`topUps[${j}]`, () => directory.topUp(w.accountId, amount, now)));
      out.walletTopUps! += w.topUps.length;
    }),
  );

  if (eventList.length > 0) {
    const outcomes = events.ingest(eventList, now, directory, { ignoreGracePeriod: true });
    outcomes.forEach((o, i) => {
      if (o.status !== EVENT_STATUSES[0]) throw invalid(eventRefusal(o, eventList[i]!, `events[${i}]`));
    });
    out.events = outcomes;
  }
  return out;
}
