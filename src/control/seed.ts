// What seeding and fixtures need from the control side: the seed request's
// defaults, the check of a fixture credit against the Credits spec, and
// reading a fixture file (TOGAI_MOCK_FIXTURES). The seeding and loading
// themselves are domain/seed.ts.

import { readFileSync } from 'node:fs';
import type { ValidateFunction } from 'ajv';
import type { CreditRequestCheck, Fixtures } from '../domain/seed.js';
import { describeError } from '../spec/messages.js';

export const DEFAULT_SEED_ACCOUNTS = 5;
export const DEFAULT_SEED_CREDITS_PER_ACCOUNT = 3;

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
