// The control API's operations (spec/togai-mock-control.yaml), named after
// their operationIds. Thin: each one asks the store, the domain, or the
// running mock's journal, fault rules and rate limiter. `tenant` is the
// tenant the call acts on and `scope` the one it named (see tenant.ts).

import { MockError, notFound } from '../domain/errors.js';
import type { ConsumeInput, HoldSelector } from '../domain/ledger.js';
import type { OperationHandler, OperationInput } from '../http/pipeline.js';
import type { components } from '../spec/control-types.gen.js';
import type { SpecValidators } from '../spec/operations.js';
import type { FaultInput, FaultRules } from '../store/fault-rules.js';
import type { RequestJournal } from '../store/journal.js';
import type { RateLimiter } from '../store/rate-limiter.js';
import { restoreSnapshot, takeSnapshot } from '../store/snapshot.js';
import type { MemoryStore } from '../store/store.js';
import { providerStateHandlers } from './providerStates.js';
import type { ControlContext } from './tenant.js';
import {
  DEFAULT_SEED_ACCOUNTS,
  DEFAULT_SEED_CREDITS_PER_ACCOUNT,
  loadFixtures as loadFixturesInto,
  seedTenant,
  type Fixtures,
} from './seed.js';
import { accountDetailsView, accountView } from './views.js';

type Schemas = components['schemas'];

/** What the control API works on: the running mock's state and both compiled specs. */
export interface ControlParts {
  store: MemoryStore;
  faults: FaultRules;
  rateLimiter: RateLimiter;
  journal: RequestJournal;
  /** The Togai API's spec: CreditRequest for fixtures, path templates for journal filters. */
  credits: SpecValidators;
  /** The control API's own spec: Snapshot for PUT /_mock/state. */
  control: SpecValidators;
  /** GET /_mock/health's answer: where the state is kept, and whether it can be reached. */
  health(): Health | Promise<Health>;
}

export type Health = Schemas['Health'];

export type ControlHandler = OperationHandler<ControlContext>;

const clockView = ({ tenant }: Pick<ControlContext, 'tenant'>) => ({
  status: 200,
  body: { now: new Date(tenant.clock.now()).toISOString(), frozen: tenant.clock.frozen },
});

function mustGetAccount({ tenant, params }: OperationInput<ControlContext>) {
  const account = tenant.ledger.getAccount(params.accountId!);
  if (!account) throw notFound(`Account ${params.accountId} does not exist`);
  return account;
}

/** Journal entries keep their operationId; this gives back its path template for `path` filters. */
function templateOf(credits: SpecValidators): (e: { operationId?: string }) => string | undefined {
  const templates = new Map(credits.operations.map((op) => [op.operationId, op.path]));
  return (e) => (e.operationId === undefined ? undefined : templates.get(e.operationId));
}

/** The control API's handlers, over the parts of one running mock. */
export function controlHandlers(parts: ControlParts): Record<string, ControlHandler> {
  const { store, faults, rateLimiter, journal, credits, control } = parts;
  const templates = templateOf(credits);
  return {
    ...providerStateHandlers,

    async health() {
      return { status: 200, body: await parts.health() };
    },

    reset({ scope }) {
      if (scope !== undefined) store.resetTenant(scope);
      else store.reset();
      return { status: 204 };
    },

    // ------------------------------------------------------------------ data

    async seed({ tenant, body }) {
      const b = (body ?? {}) as Schemas['SeedRequest'];
      const seed = b.seed ?? Math.floor(Math.random() * 2 ** 31);
      const made = await seedTenant(store, tenant.key, {
        seed,
        accounts: b.accounts ?? DEFAULT_SEED_ACCOUNTS,
        creditsPerAccount: b.creditsPerAccount ?? DEFAULT_SEED_CREDITS_PER_ACCOUNT,
      });
      // The tenant object was replaced by the reseed; read through the store.
      const t = store.tenant(tenant.key);
      const now = t.clock.now();
      return { status: 200, body: { seed, accounts: made.accounts.map((a) => accountView(t.ledger, a, now)), credits: made.credits } };
    },

    loadFixtures({ tenant, body }) {
      const made = loadFixturesInto(tenant, body as Fixtures, credits.schema('CreditRequest'));
      const now = tenant.clock.now();
      return { status: 200, body: { accounts: made.accounts.map((a) => accountView(tenant.ledger, a, now)), credits: made.credits } };
    },

    createAccount({ tenant, body }) {
      const now = tenant.clock.now();
      const account = tenant.ledger.createAccount(body as Schemas['AccountInput'], now);
      return { status: 201, body: accountView(tenant.ledger, account, now) };
    },

    listAccounts({ tenant, query }) {
      const offset = (query.offset as number | undefined) ?? 0;
      const limit = (query.limit as number | undefined) ?? 50;
      const now = tenant.clock.now();
      const all = tenant.ledger.listAccounts();
      return {
        status: 200,
        body: { accounts: all.slice(offset, offset + limit).map((a) => accountView(tenant.ledger, a, now)), total: all.length },
      };
    },

    getAccount(input) {
      const account = mustGetAccount(input);
      return { status: 200, body: accountDetailsView(input.tenant.ledger, account, input.tenant.clock.now()) };
    },

    // ----------------------------------------------------------------- clock

    getClock: clockView,

    setClock(input) {
      input.tenant.clock.set(Date.parse((input.body as { now: string }).now));
      return clockView(input);
    },

    advanceClock(input) {
      input.tenant.clock.advance(Math.round((input.body as { seconds: number }).seconds * 1000));
      return clockView(input);
    },

    resetClock(input) {
      input.tenant.clock.reset();
      return clockView(input);
    },

    // ----------------------------------------------------------- consumption

    consume({ tenant, params, body }) {
      return { status: 200, body: tenant.ledger.consume(params.accountId!, body as ConsumeInput, tenant.clock.now()) };
    },

    releaseHolds({ tenant, params, body }) {
      return { status: 200, body: tenant.ledger.releaseHolds(params.accountId!, (body ?? {}) as HoldSelector, tenant.clock.now()) };
    },

    settleHolds({ tenant, params, body }) {
      return { status: 200, body: tenant.ledger.settleHolds(params.accountId!, (body ?? {}) as HoldSelector, tenant.clock.now()) };
    },

    // ---------------------------------------------------------------- faults

    createFault({ scope, body }) {
      return { status: 201, body: faults.add(body as FaultInput, scope) };
    },

    listFaults({ scope }) {
      return { status: 200, body: { faults: faults.list(scope) } };
    },

    clearFaults({ scope }) {
      faults.clear(scope);
      return { status: 204 };
    },

    deleteFault({ params }) {
      if (!faults.remove(params.faultId!)) throw notFound(`Fault rule ${params.faultId} does not exist`);
      return { status: 204 };
    },

    getRateLimit() {
      return { status: 200, body: { requestsPerSecond: rateLimiter.limit } };
    },

    setRateLimit({ body }) {
      rateLimiter.set((body as Schemas['RateLimit']).requestsPerSecond);
      return { status: 200, body: { requestsPerSecond: rateLimiter.limit } };
    },

    // --------------------------------------------------------------- journal

    async listRequests({ scope, query }) {
      const requests = await journal.list(
        {
          method: query.method as string | undefined,
          path: query.path as string | undefined,
          operationId: query.operationId as string | undefined,
          after: query.after as number | undefined,
          tenant: scope,
          limit: (query.limit as number | undefined) ?? 100,
        },
        templates,
      );
      return { status: 200, body: { requests } };
    },

    async clearRequests({ scope }) {
      await journal.clear(scope);
      return { status: 204 };
    },

    // ----------------------------------------------------------------- state

    getState() {
      return { status: 200, body: takeSnapshot(store) };
    },

    putState({ body }) {
      try {
        restoreSnapshot(store, body, control.schema('Snapshot'));
      } catch (err) {
        // The ledger's own consistency checks speak of "snapshot:" already.
        if (err instanceof MockError) throw err;
        throw new MockError('invalid', `snapshot could not be loaded: ${(err as Error).message}`);
      }
      return { status: 204 };
    },
  };
}
