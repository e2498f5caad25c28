// The control API's operations (spec/togai-mock-control.yaml), named after
// their operationIds. Thin: each one asks the store, the domain, or the
// runtime's journal and fault rules. `tenant` is the tenant the call acts on
// (X-Mock-Tenant with isolated tenants, else the shared one).

import { MockError, notFound } from '../domain/errors.js';
import type { ConsumeInput, HoldSelector } from '../domain/ledger.js';
import type { FaultInput } from '../http/faults.js';
import type { OperationHandler, OperationInput } from '../http/pipeline.js';
import type { MockRuntime } from '../runtime.js';
import type { components } from '../spec/control-types.gen.js';
import { restoreSnapshot, takeSnapshot } from '../store/snapshot.js';
import { providerStateHandlers } from './providerStates.js';
import { explicitTenantKey } from './tenant.js';
import {
  DEFAULT_SEED_ACCOUNTS,
  DEFAULT_SEED_CREDITS_PER_ACCOUNT,
  loadFixtures as loadFixturesInto,
  seedTenant,
  type Fixtures,
} from './seed.js';
import { accountDetailsView, accountView } from './views.js';

type Schemas = components['schemas'];

const clockView = ({ tenant }: Pick<OperationInput, 'tenant'>) => ({
  status: 200,
  body: { now: new Date(tenant.clock.now()).toISOString(), frozen: tenant.clock.frozen },
});

function mustGetAccount({ tenant, params }: OperationInput) {
  const account = tenant.ledger.getAccount(params.accountId!);
  if (!account) throw notFound(`Account ${params.accountId} does not exist`);
  return account;
}

/** Journal entries keep their operationId; this gives back its path template for `path` filters. */
function templateOf(runtime: MockRuntime): (e: { operationId?: string }) => string | undefined {
  const templates = new Map(runtime.credits.operations.map((op) => [op.operationId, op.path]));
  return (e) => (e.operationId === undefined ? undefined : templates.get(e.operationId));
}

export const controlHandlers: Record<string, OperationHandler> = {
  ...providerStateHandlers,

  health() {
    return { status: 200, body: { status: 'ok' } };
  },

  reset({ runtime, req }) {
    const key = explicitTenantKey(runtime, req);
    if (key !== undefined) runtime.store.resetTenant(key);
    else runtime.store.reset();
    return { status: 204 };
  },

  // ------------------------------------------------------------------ data

  async seed({ runtime, tenant, body }) {
    const b = (body ?? {}) as Schemas['SeedRequest'];
    const seed = b.seed ?? Math.floor(Math.random() * 2 ** 31);
    const made = await seedTenant(runtime.store, tenant.key, {
      seed,
      accounts: b.accounts ?? DEFAULT_SEED_ACCOUNTS,
      creditsPerAccount: b.creditsPerAccount ?? DEFAULT_SEED_CREDITS_PER_ACCOUNT,
    });
    // The tenant object was replaced by the reseed; read through the store.
    const t = runtime.store.tenant(tenant.key);
    const now = t.clock.now();
    return { status: 200, body: { seed, accounts: made.accounts.map((a) => accountView(t.ledger, a, now)), credits: made.credits } };
  },

  loadFixtures({ runtime, tenant, body }) {
    const made = loadFixturesInto(tenant, body as Fixtures, runtime.credits.schema('CreditRequest'));
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

  createFault({ runtime, req, body }) {
    return { status: 201, body: runtime.faults.add(body as FaultInput, explicitTenantKey(runtime, req)) };
  },

  listFaults({ runtime, req }) {
    return { status: 200, body: { faults: runtime.faults.list(explicitTenantKey(runtime, req)) } };
  },

  clearFaults({ runtime, req }) {
    runtime.faults.clear(explicitTenantKey(runtime, req));
    return { status: 204 };
  },

  deleteFault({ runtime, params }) {
    if (!runtime.faults.remove(params.faultId!)) throw notFound(`Fault rule ${params.faultId} does not exist`);
    return { status: 204 };
  },

  getRateLimit({ runtime }) {
    return { status: 200, body: { requestsPerSecond: runtime.rateLimiter.limit } };
  },

  setRateLimit({ runtime, body }) {
    runtime.rateLimiter.set((body as Schemas['RateLimit']).requestsPerSecond);
    return { status: 200, body: { requestsPerSecond: runtime.rateLimiter.limit } };
  },

  // --------------------------------------------------------------- journal

  listRequests({ runtime, req, query }) {
    const requests = runtime.journal.list(
      {
        method: query.method as string | undefined,
        path: query.path as string | undefined,
        operationId: query.operationId as string | undefined,
        after: query.after as number | undefined,
        tenant: explicitTenantKey(runtime, req),
        limit: (query.limit as number | undefined) ?? 100,
      },
      templateOf(runtime),
    );
    return { status: 200, body: { requests } };
  },

  clearRequests({ runtime, req }) {
    runtime.journal.clear(explicitTenantKey(runtime, req));
    return { status: 204 };
  },

  // ----------------------------------------------------------------- state

  getState({ runtime }) {
    return { status: 200, body: takeSnapshot(runtime.store) };
  },

  putState({ runtime, body }) {
    try {
      restoreSnapshot(runtime.store, body, runtime.control.schema('Snapshot'));
    } catch (err) {
      // The ledger's own consistency checks speak of "snapshot:" already.
      if (err instanceof MockError) throw err;
      throw new MockError('invalid', `snapshot could not be loaded: ${(err as Error).message}`);
    }
    return { status: 204 };
  },
};
