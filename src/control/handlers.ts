// The control API's operations (spec/togai-mock-control.yaml), named after
// their operationIds. Thin: a read looks at the state through engine.read, a
// change is a command given to engine.execute (answered once it is logged and
// applied; `render` builds the answer right after it was applied). The
// journal and the rate limit's counts are not state and are used directly.
// `tenantKey` is the tenant the call acts on and `scope` the one it named
// (see tenant.ts).

import { MockError, notFound } from '../domain/errors.js';
import { positionOf, type EventStatus } from '../domain/events/event-store.js';
import type { ConsumeInput, HoldSelector } from '../domain/ledger.js';
import type { Seeded } from '../domain/seed.js';
import type { OperationHandler, OperationInput } from '../http/pipeline.js';
import type { components } from '../spec/control-types.gen.js';
import { operationIdNamed, type CompiledOperation, type SpecValidators } from '../spec/operations.js';
import type { ProviderStateRequest } from '../spec/provider-states.js';
import type { MockEngine } from '../store/machine/apply.js';
import type { FixturesInput } from '../store/machine/commands.js';
import type { FaultInput } from '../store/machine/fault-rules.js';
import type { RequestJournal } from '../store/services/journal.js';
import type { RateCounter } from '../store/services/types.js';
import { takeSnapshot } from '../store/machine/snapshot.js';
import type { MockState } from '../store/machine/state.js';
import type { Tenant } from '../store/machine/store.js';
import {
  DEFAULT_SEED_ACCOUNTS,
  DEFAULT_SEED_CREDITS_PER_ACCOUNT,
  DEFAULT_SEED_EVENTS_PER_ACCOUNT,
  DEFAULT_SEED_TOP_UPS_PER_ACCOUNT,
  hashFixturePasswords,
} from './seed.js';
import type { ControlContext } from './tenant.js';
import { accountProfileView, customerView, eventView } from './directory-views.js';
import { accountDetailsView, accountView } from './views.js';

type Schemas = components['schemas'];

/** What the control API works on: the running mock's engine, journal and rate counts, and both compiled specs. */
export interface ControlParts {
  engine: MockEngine;
  rateCounter: RateCounter;
  journal: RequestJournal;
  /**
   * The Togai API's credits spec: CreditRequest for fixtures; with `accounts`,
   * the operations fault rules and journal filters name.
   */
  credits: SpecValidators;
  /** The Togai API's customers, accounts, wallet and events spec. */
  accounts: SpecValidators;
  /** The control API's own spec. */
  control: SpecValidators;
  /** GET /_mock/health's answer: where the state is kept, and whether it can be reached. */
  health(): Health | Promise<Health>;
}

export type Health = Schemas['Health'];

export type ControlHandler = OperationHandler<ControlContext>;
type Input = OperationInput<ControlContext>;

/** What seed and fixtures made, as SeedResponse shows it (without the seed). */
function seededView(t: Tenant, made: Seeded): Omit<Schemas['SeedResponse'], 'seed'> {
  const now = t.clock.now();
  const body: Omit<Schemas['SeedResponse'], 'seed'> = {
    accounts: made.accounts.map((a) => accountView(t.ledger, a, now)),
    credits: made.credits,
  };
  if (made.customers !== undefined && made.customers.length > 0) {
    body.customers = made.customers.map((c) => ({
      customerId: c.id,
      togaiCustomerId: c.togaiCustomerId,
      name: c.name,
      primaryEmail: c.primaryEmail,
      accountIds: [...c.accountIds],
    }));
  }
  if (made.walletTopUps !== undefined) body.walletTopUps = made.walletTopUps;
  if (made.events !== undefined && made.events.length > 0) {
    body.events = made.events.map((e) => ({
      ...(e.id === undefined ? {} : { id: e.id }),
      referenceId: e.referenceId,
      status: e.status,
    }));
  }
  return body;
}

const clockView = (tenant: Tenant) => ({
  status: 200,
  body: { now: new Date(tenant.clock.now()).toISOString(), frozen: tenant.clock.frozen },
});

/** Journal entries keep their operationId; this gives back its path template for `path` filters. */
function templateOf(
  togai: readonly CompiledOperation[],
): (e: { operationId?: string | undefined }) => string | undefined {
  const templates = new Map(togai.map((op) => [op.operationId, op.path]));
  return (e) => (e.operationId === undefined ? undefined : templates.get(e.operationId));
}

/** A fault rule as given, its match.operationId (any case) put in Togai's spelling; 400 when it names no operation. */
function faultInput(body: unknown, togai: readonly CompiledOperation[]): FaultInput {
  const input = body as FaultInput;
  const typed = input.match?.operationId;
  if (typed === undefined) return input;
  const operationId = operationIdNamed(togai, typed);
  if (operationId === undefined) {
    // The list of every operation would not fit a message: name the few a user most likely meant.
    const near = togai.map((op) => op.operationId).filter((id) => closeTo(id, typed));
    const hint = near.length > 0 ? `; did you mean ${near.join(' or ')}?` : '';
    throw new MockError(
      'invalid',
      `match.operationId ${JSON.stringify(typed)} is no operationId of the Togai API (in any case)${hint} ` +
        'Every one is listed in the API reference, /_mock/docs',
    );
  }
  return { ...input, match: { ...input.match, operationId } };
}

/** Whether one operationId contains the other, ignoring case (creditBalance, CreditBalanceForAccount). */
function closeTo(operationId: string, typed: string): boolean {
  const a = operationId.toLowerCase();
  const b = typed.toLowerCase();
  return b.length >= 4 && (a.includes(b) || b.includes(a));
}

/** The control API's handlers, over the parts of one running mock. */
export function controlHandlers(parts: ControlParts): Record<string, ControlHandler> {
  const { engine, rateCounter, journal } = parts;
  // The Togai API's operations (never the control API's own): what fault rules and journal filters name.
  const togai = [...parts.credits.operations, ...parts.accounts.operations];
  const templates = templateOf(togai);
  /** Runs `fn` on the call's tenant as a read sees it (never creating it). */
  const readTenant = <T>({ tenantKey }: Input, fn: (tenant: Tenant, state: MockState) => T): T | Promise<T> =>
    engine.read((state) => fn(state.tenants.peek(tenantKey), state));
  /** The answer of a clock change, made right after it was applied. */
  const clockAfter = (tenantKey: string) => (_: unknown, state: MockState) => clockView(state.tenants.peek(tenantKey));

  return {
    async health() {
      return { status: 200, body: await parts.health() };
    },

    reset({ scope }) {
      return engine.execute({ type: 'reset', tenant: scope }, () => ({ status: 204 }));
    },

    // ------------------------------------------------------------------ data

    seed({ tenantKey, body }) {
      const b = (body ?? {}) as Schemas['SeedRequest'];
      const command = {
        type: 'seed' as const,
        tenant: tenantKey,
        seed: b.seed,
        accounts: b.accounts ?? DEFAULT_SEED_ACCOUNTS,
        creditsPerAccount: b.creditsPerAccount ?? DEFAULT_SEED_CREDITS_PER_ACCOUNT,
        topUpsPerAccount: b.topUpsPerAccount ?? DEFAULT_SEED_TOP_UPS_PER_ACCOUNT,
        eventsPerAccount: b.eventsPerAccount ?? DEFAULT_SEED_EVENTS_PER_ACCOUNT,
      };
      return engine.execute(command, (made, state) => {
        const t = state.tenants.peek(tenantKey);
        return { status: 200, body: { seed: made.seed, ...seededView(t, made) } };
      });
    },

    loadFixtures({ tenantKey, body }) {
      // Passwords are hashed before the command exists: no log or replica ever holds one.
      const fixtures = hashFixturePasswords(body as FixturesInput);
      return engine.execute({ type: 'fixtures', tenant: tenantKey, fixtures }, (made, state) => ({
        status: 200,
        body: seededView(state.tenants.peek(tenantKey), made),
      }));
    },

    createMockAccount({ tenantKey, body }) {
      return engine.execute(
        { type: 'createAccount', tenant: tenantKey, account: body as Schemas['AccountInput'] },
        (account, state) => {
          const t = state.tenants.peek(tenantKey);
          return { status: 201, body: accountView(t.ledger, account, t.clock.now()) };
        },
      );
    },

    listAccounts(input) {
      const offset = (input.query.offset as number | undefined) ?? 0;
      const limit = (input.query.limit as number | undefined) ?? 50;
      return readTenant(input, (tenant) => {
        const now = tenant.clock.now();
        const all = tenant.ledger.listAccounts();
        return {
          status: 200,
          body: {
            accounts: all.slice(offset, offset + limit).map((a) => accountView(tenant.ledger, a, now)),
            total: all.length,
          },
        };
      });
    },

    getMockAccount(input) {
      return readTenant(input, (tenant) => {
        const account = tenant.ledger.getAccount(input.params.accountId!);
        if (!account) throw notFound(`Account ${input.params.accountId} does not exist`);
        return { status: 200, body: accountDetailsView(tenant.ledger, account, tenant.clock.now()) };
      });
    },

    // ------------------------------------------- customers, accounts, events

    listMockCustomers(input) {
      const offset = (input.query.offset as number | undefined) ?? 0;
      const limit = (input.query.limit as number | undefined) ?? 50;
      return readTenant(input, (tenant) => {
        const all = tenant.directory.allCustomers();
        return {
          status: 200,
          body: {
            customers: all.slice(offset, offset + limit).map((c) => customerView(tenant.directory, c)),
            total: all.length,
          },
        };
      });
    },

    getMockAccountProfile(input) {
      const entries = (input.query.entries as number | undefined) ?? 50;
      return readTenant(input, (tenant) => {
        const account = tenant.directory.account(input.params.accountId!);
        if (!account) throw notFound(`Account ${input.params.accountId} does not exist`);
        return { status: 200, body: accountProfileView(tenant.directory, account, tenant.clock.now(), entries) };
      });
    },

    listMockAccountEvents(input) {
      const token = input.query.nextToken as string | undefined;
      // The token is the referenceId of the previous page's last event.
      const after = token === undefined ? undefined : positionOf(token);
      if (token !== undefined && after === undefined) {
        throw new MockError('invalid', 'nextToken is malformed: pass back the nextToken of the previous page');
      }
      return readTenant(input, (tenant) => {
        const page = tenant.events.list({
          accountId: input.params.accountId!,
          status: input.query.status as EventStatus | undefined,
          after,
          pageSize: (input.query.limit as number | undefined) ?? 50,
        });
        return {
          status: 200,
          body: { events: page.events.map(eventView), ...(page.next === undefined ? {} : { nextToken: page.next }) },
        };
      });
    },

    // ----------------------------------------------------------------- clock

    getClock(input) {
      return readTenant(input, clockView);
    },

    setClock({ tenantKey, body }) {
      return engine.execute(
        { type: 'clockSet', tenant: tenantKey, now: Date.parse((body as { now: string }).now) },
        clockAfter(tenantKey),
      );
    },

    advanceClock({ tenantKey, body }) {
      const ms = Math.round((body as { seconds: number }).seconds * 1000);
      return engine.execute({ type: 'clockAdvance', tenant: tenantKey, ms }, clockAfter(tenantKey));
    },

    resetClock({ tenantKey }) {
      return engine.execute({ type: 'clockReset', tenant: tenantKey }, clockAfter(tenantKey));
    },

    // ----------------------------------------------------------- consumption

    consume({ tenantKey, params, body }) {
      return engine.execute(
        { type: 'consume', tenant: tenantKey, accountId: params.accountId!, input: body as ConsumeInput },
        (result) => ({
          status: 200,
          body: result,
        }),
      );
    },

    releaseHolds({ tenantKey, params, body }) {
      const selector = (body ?? {}) as HoldSelector;
      return engine.execute(
        { type: 'releaseHolds', tenant: tenantKey, accountId: params.accountId!, selector },
        (outcome) => ({
          status: 200,
          body: outcome,
        }),
      );
    },

    settleHolds({ tenantKey, params, body }) {
      const selector = (body ?? {}) as HoldSelector;
      return engine.execute(
        { type: 'settleHolds', tenant: tenantKey, accountId: params.accountId!, selector },
        (outcome) => ({
          status: 200,
          body: outcome,
        }),
      );
    },

    // --------------------------------------------------------------- wallets

    debitWallet({ tenantKey, params, body }) {
      const { hold, ...input } = body as { amount: number; invoiceId?: string; entityId?: string; hold?: boolean };
      return engine.execute(
        { type: hold === true ? 'walletHold' : 'walletDebit', tenant: tenantKey, accountId: params.accountId!, input },
        (result) => ({ status: 200, body: result }),
      );
    },

    releaseWalletHolds({ tenantKey, params, body }) {
      const selector = (body ?? {}) as HoldSelector;
      return engine.execute(
        { type: 'walletRelease', tenant: tenantKey, accountId: params.accountId!, selector },
        (outcome) => ({ status: 200, body: outcome }),
      );
    },

    settleWalletHolds({ tenantKey, params, body }) {
      const selector = (body ?? {}) as HoldSelector;
      return engine.execute(
        { type: 'walletSettle', tenant: tenantKey, accountId: params.accountId!, selector },
        (outcome) => ({ status: 200, body: outcome }),
      );
    },

    // ------------------------------------------------------- provider states

    providerState({ tenantKey, body }) {
      // The body was validated against ProviderStateRequest; `action` defaults to setup there.
      const {
        state,
        params = {},
        action = 'setup',
      } = body as Partial<ProviderStateRequest> & Pick<ProviderStateRequest, 'state'>;
      if (action === 'teardown') {
        return engine.execute({ type: 'providerStateTeardown', tenant: tenantKey, state, params }, () => ({
          status: 200,
          body: {},
        }));
      }
      return engine.execute({ type: 'providerStateSetup', tenant: tenantKey, state, params }, (values) => ({
        status: 200,
        body: values,
      }));
    },

    // ---------------------------------------------------------------- faults

    createFault({ scope, body }) {
      return engine.execute({ type: 'faultAdd', tenant: scope, input: faultInput(body, togai) }, (rule) => ({
        status: 201,
        body: rule,
      }));
    },

    listFaults({ scope }) {
      return engine.read((state) => ({ status: 200, body: { faults: state.faults.list(scope) } }));
    },

    clearFaults({ scope }) {
      return engine.execute({ type: 'faultClear', tenant: scope }, () => ({ status: 204 }));
    },

    deleteFault({ params }) {
      return engine.execute({ type: 'faultRemove', id: params.faultId! }, () => ({ status: 204 }));
    },

    getRateLimit() {
      return engine.read((state) => ({ status: 200, body: { requestsPerSecond: state.rateLimit } }));
    },

    async setRateLimit({ body }) {
      const limit = await engine.execute({
        type: 'rateLimitSet',
        limit: (body as Schemas['RateLimit']).requestsPerSecond,
      });
      // A new limit starts fresh windows.
      await rateCounter.clear();
      return { status: 200, body: { requestsPerSecond: limit } };
    },

    // --------------------------------------------------------------- journal

    listRequests({ scope, query }) {
      const listed = journal.list(
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
      const answer = (requests: unknown[]) => ({ status: 200, body: { requests } });
      return listed instanceof Promise ? listed.then(answer) : answer(listed);
    },

    async clearRequests({ scope }) {
      await journal.clear(scope);
      return { status: 204 };
    },

    // ----------------------------------------------------------------- state

    getState() {
      return engine.read((state) => ({ status: 200, body: takeSnapshot(state.tenants, state.config.realTime()) }));
    },

    putState({ body }) {
      return engine.execute({ type: 'stateImport', snapshot: body as Schemas['Snapshot'] }, () => ({ status: 204 }));
    },
  };
}
