// What the mock holds when it starts: what its log holds (the state file,
// TOGAI_MOCK_STATE_FILE) when there is anything; otherwise seeded data
// (TOGAI_MOCK_SEED) and then fixtures (TOGAI_MOCK_FIXTURES), both into the
// shared tenant, as one command like any other change (so a state file keeps
// it), applied only to an empty store. A state file or a Redis log that
// holds anything wins: seeding it again at every restart, or once per
// replica, would pile up copies.

import type { Logger } from 'pino';
import { MockError } from '../domain/errors.js';
import type { TogaiMockOptions } from '../options.js';
import { check, type SpecValidators } from '../spec/operations.js';
import type { MockEngine } from '../store/machine/apply.js';
import type { FixturesInput, StartupResult } from '../store/machine/commands.js';
import { LogCorruptError } from '../store/backends/types.js';
import {
  DEFAULT_SEED_EVENTS_PER_ACCOUNT,
  DEFAULT_SEED_TOP_UPS_PER_ACCOUNT,
  hashFixturePasswords,
  readFixtureFile,
} from './seed.js';

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
    log.info(
      { stateFile: o.stateFile, tenants: engine.state.tenants.keys().length, seq: engine.appliedSeq },
      'state loaded',
    );
    return;
  }
  if (o.stateFile !== undefined) log.info({ stateFile: o.stateFile }, 'no state file yet; starting empty');
  const seed =
    o.seed !== undefined && o.seedAccounts > 0
      ? {
          seed: o.seed,
          accounts: o.seedAccounts,
          creditsPerAccount: o.seedCreditsPerAccount,
          topUpsPerAccount: DEFAULT_SEED_TOP_UPS_PER_ACCOUNT,
          eventsPerAccount: DEFAULT_SEED_EVENTS_PER_ACCOUNT,
        }
      : undefined;
  let fixtures: FixturesInput | undefined;
  if (o.fixturesFile !== undefined) {
    const document = readFixtureFile(o.fixturesFile);
    try {
      check(runtime.control.schema('Fixtures'), document, 'fixture');
      fixtures = hashFixturePasswords(document as FixturesInput);
    } catch (err) {
      throw new Error(`fixture file ${o.fixturesFile} cannot be loaded: ${(err as Error).message}`, { cause: err });
    }
  }
  if (seed === undefined && fixtures === undefined) return;
  // One command for both: applied only while the store is empty, so replicas that start
  // together on one Redis seed it once, and a refused fixture file leaves nothing behind.
  let done: StartupResult;
  try {
    done = await engine.execute({ type: 'startup', seed, fixtures });
  } catch (err) {
    if (fixtures !== undefined && err instanceof MockError && err.kind !== 'unavailable') {
      throw new Error(`fixture file ${o.fixturesFile} cannot be loaded: ${err.message}`, { cause: err });
    }
    throw err;
  }
  if (!done.applied) {
    log.info('the shared state holds data already (another replica started first): start-up seed and fixtures skipped');
    return;
  }
  if (done.seeded)
    log.info(
      { seed: done.seeded.seed, accounts: done.seeded.accounts.length, credits: done.seeded.credits.length },
      'seeded',
    );
  if (done.fixtures)
    log.info(
      { fixtures: o.fixturesFile, accounts: done.fixtures.accounts.length, credits: done.fixtures.credits.length },
      'fixtures loaded',
    );
}
