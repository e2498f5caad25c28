// What seeding and fixtures need from the control side: the seed request's
// defaults, the checks of fixture entries against the Togai specs, hashing
// fixture contacts' passwords before anything is logged, and reading a
// fixture file (TOGAI_MOCK_FIXTURES). The seeding and loading themselves
// are domain/seed.ts.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ValidateFunction } from 'ajv';
import { hashPassword } from '../domain/directory/directory.js';
import { invalid } from '../domain/errors.js';
import type { CreditRequestCheck, FixtureCheck, FixtureSchema, Fixtures } from '../domain/seed.js';
import { describeError } from '../spec/messages.js';
import type { SpecValidators } from '../spec/operations.js';

export const DEFAULT_SEED_ACCOUNTS = 5;
export const DEFAULT_SEED_CREDITS_PER_ACCOUNT = 3;
export const DEFAULT_SEED_TOP_UPS_PER_ACCOUNT = 2;
export const DEFAULT_SEED_EVENTS_PER_ACCOUNT = 3;

/** The most characters a contact's password may have (CreateCustomerContactRequest.password). */
const MAX_PASSWORD = 100;

/**
 * Fixture entry checks: AccountInput from the control spec, the rest from
 * the Togai accounts spec, each compiled when first needed.
 */
export function fixtureCheck(accounts: SpecValidators, control: SpecValidators): FixtureCheck {
  const compiled = new Map<FixtureSchema, ValidateFunction>();
  return (schema, value, where) => {
    let validate = compiled.get(schema);
    if (!validate) {
      validate = schema === 'AccountInput' ? control.schema(schema) : accounts.schema(schema);
      compiled.set(schema, validate);
    }
    return validate(value) ? undefined : describeError(validate.errors![0]!, where, where);
  };
}

/**
 * A fixture document whose contacts carry a salted hash instead of their
 * password, so the logged command, the state file and replicas never hold
 * it. A password that is no string or too long is refused here, naming its
 * path, before it could reach any log.
 */
export function hashFixturePasswords(fixtures: Fixtures): Fixtures {
  const customers = fixtures.customers;
  const hasContacts = (c: unknown): c is { contacts: unknown[] } =>
    c !== null && typeof c === 'object' && Array.isArray((c as { contacts?: unknown }).contacts);
  if (!Array.isArray(customers) || !customers.some(hasContacts)) return fixtures;
  return {
    ...fixtures,
    customers: customers.map((c, i) => {
      if (!hasContacts(c)) return c;
      return {
        ...c,
        contacts: c.contacts.map((k, j) => {
          // Anything but an object is left for the schema check to name.
          if (k === null || typeof k !== 'object') return k;
          const { password, ...rest } = k as typeof k & { password?: unknown };
          if (password === undefined) return k;
          const where = `customers[${i}].contacts[${j}].password`;
          if (typeof password !== 'string') throw invalid(`${where} must be string`);
          if (password.length > MAX_PASSWORD) throw invalid(`${where} must be at most ${MAX_PASSWORD} characters`);
          return { ...rest, passwordHash: hashPassword(password, randomBytes(12).toString('base64url')) };
        }),
      };
    }),
  };
}

/** A fixture credit check from the Credits spec's compiled CreditRequest schema. */
export function creditRequestCheck(validate: ValidateFunction): CreditRequestCheck {
  return (request, where) => (validate(request) ? undefined : describeError(validate.errors![0]!, where, where));
}

/** Reads a fixture file; any problem is reported with the file's name. */
export function readFixtureFile(path: string): Fixtures {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read fixture file ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return JSON.parse(text) as Fixtures;
  } catch (err) {
    throw new Error(`fixture file ${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}
