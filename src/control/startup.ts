// What the mock holds when it starts: what its log holds (the state file,
// TOGAI_MOCK_STATE_FILE) when there is anything; otherwise seeded data
// (TOGAI_MOCK_SEED) and then fixtures (TOGAI_MOCK_FIXTURES), both into the
// shared tenant. A state file that loaded wins: seeding it again at every
// restart would pile up copies.

import type { Logger } from 'pino';
import { MockError } from '../domain/errors.js';
import type { TogaiMockOptions } from '../options.js';
import { check, type SpecValidators } from '../spec/operations.js';
import type { MockEngine } from '../store/apply.js';
import { LogCorruptError } from '../store/log/types.js';
import { SHARED_TENANT } from '../store/store.js';
import { loadFixtures, readFixtureFile, seedTenant, type Fixtures } from './seed.js';

/** What the start-up fills and reads: the engine, the options that say with what, both specs. */
export interface StartupParts {
  options: TogaiMockOptions;
  engine: MockEngine;
  logger: Logger;
  credits: SpecValidators;
  control: SpecValidators;
}

/** Loads the log and fills an empty store. Throws on anything unusable (the start stops). */
export async function prepareState(runtime: StartupParts): Promise<void> {
  const o = runtime.options;
  const log = runtime.logger;
  const { engine } = runtime;
  let restored: boolean;
  try {
    ({ restored } = await engine.start());
  } catch (err) {
    // A snapshot that reads as JSON but is no state this version can load (another formatVersion...).
    if (err instanceof MockError && o.stateFile !== undefined) {
      throw new LogCorruptError(
        `state file ${o.stateFile} cannot be loaded: ${err.message}. It was left untouched; fix it, move it away, or point TOGAI_MOCK_STATE_FILE elsewhere.`,
      );
    }
    throw err;
  }
  if (restored) {
    log.info({ stateFile: o.stateFile, tenants: engine.state.tenants.keys().length, seq: engine.appliedSeq }, 'state loaded');
    return;
  }
  if (o.stateFile !== undefined) log.info({ stateFile: o.stateFile }, 'no state file yet; starting empty');
  if (o.seed !== undefined && o.seedAccounts > 0) {
    const made = await seedTenant(engine.state.tenants, SHARED_TENANT, {
      seed: o.seed,
      accounts: o.seedAccounts,
      creditsPerAccount: o.seedCreditsPerAccount,
    });
    log.info({ seed: o.seed, accounts: made.accounts.length, credits: made.credits.length }, 'seeded');
  }
  if (o.fixturesFile !== undefined) {
    const fixtures = readFixtureFile(o.fixturesFile);
    try {
      check(runtime.control.schema('Fixtures'), fixtures, 'fixture');
      const made = loadFixtures(engine.state.tenants.tenant(SHARED_TENANT), fixtures as Fixtures, runtime.credits.schema('CreditRequest'));
      log.info({ fixtures: o.fixturesFile, accounts: made.accounts.length, credits: made.credits.length }, 'fixtures loaded');
    } catch (err) {
      throw new Error(`fixture file ${o.fixturesFile} cannot be loaded: ${(err as Error).message}`);
    }
  }
}
