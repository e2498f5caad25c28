// What the mock holds when it starts: the state file when there is one
// (TOGAI_MOCK_STATE_FILE); otherwise seeded data (TOGAI_MOCK_SEED) and then
// fixtures (TOGAI_MOCK_FIXTURES), both into the shared tenant. A state file
// that loaded wins: seeding it again at every restart would pile up copies.

import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { TogaiMockOptions } from '../options.js';
import { check, type SpecValidators } from '../spec/operations.js';
import { StateFile } from '../store/stateFile.js';
import { SHARED_TENANT, type MemoryStore } from '../store/store.js';
import { loadFixtures, loadSeedFaker, seedLedger, type Fixtures } from '../domain/seed.js';
import { creditRequestCheck, readFixtureFile } from './seed.js';

/** What the start-up fills and reads: the store, the options that say with what, both specs. */
export interface StartupParts {
  options: TogaiMockOptions;
  store: MemoryStore;
  logger: Logger;
  credits: SpecValidators;
  control: SpecValidators;
}

/** Prepares the store; answers the state file to save to, if one is configured. Throws on anything unusable. */
export async function prepareState(runtime: StartupParts): Promise<StateFile | undefined> {
  const o = runtime.options;
  const log = runtime.logger;
  let stateFile: StateFile | undefined;
  if (o.stateFile !== undefined) {
    stateFile = new StateFile(resolve(o.stateFile), runtime.store, runtime.control.schema('Snapshot'), log);
    if (stateFile.load() === 'loaded') {
      log.info({ stateFile: stateFile.path, tenants: runtime.store.keys().length }, 'state loaded');
      return stateFile;
    }
    log.info({ stateFile: stateFile.path }, 'no state file yet; starting empty');
  }
  if (o.seed !== undefined && o.seedAccounts > 0) {
    const makeFaker = await loadSeedFaker();
    const tenant = runtime.store.tenant(SHARED_TENANT);
    const made = seedLedger(
      makeFaker,
      tenant.ledger,
      { seed: o.seed, accounts: o.seedAccounts, creditsPerAccount: o.seedCreditsPerAccount },
      tenant.clock.now(),
    );
    log.info({ seed: o.seed, accounts: made.accounts.length, credits: made.credits.length }, 'seeded');
  }
  if (o.fixturesFile !== undefined) {
    const fixtures = readFixtureFile(o.fixturesFile);
    try {
      check(runtime.control.schema('Fixtures'), fixtures, 'fixture');
      const tenant = runtime.store.tenant(SHARED_TENANT);
      const checkCredit = creditRequestCheck(runtime.credits.schema('CreditRequest'));
      const made = loadFixtures(tenant.ledger, fixtures as Fixtures, checkCredit, tenant.clock.now());
      log.info({ fixtures: o.fixturesFile, accounts: made.accounts.length, credits: made.credits.length }, 'fixtures loaded');
    } catch (err) {
      throw new Error(`fixture file ${o.fixturesFile} cannot be loaded: ${(err as Error).message}`);
    }
  }
  // Written now, so a state file that cannot be written fails the start, not the first request.
  if (stateFile) await stateFile.saveNow();
  return stateFile;
}
