// How `togai-mock verify` puts a provider into a pact's provider states.
//
// Against togai-mock (in-process or any --provider-base-url that answers
// /_mock/health) every state goes through POST /_mock/provider-states.
// Against a real Togai (e.g. the sandbox) states are made through its public
// API where that is possible (customers, accounts, wallet top-ups, events,
// credits), checked where they can only be observed, and reported as
// unsupported otherwise: a state the verifier cannot establish must never
// count as a pass. What a state made is cleaned up on teardown as far as the
// API allows: its event undone, its accounts and customers deleted, its
// credits voided.

import {
  PROVIDER_STATE_NAMES,
  STATE_CREDIT_DEFAULTS,
  STATE_EVENT_SCHEMA,
  STATE_WALLET_BALANCE,
  type ProviderStateName,
} from '../spec/provider-states.js';

export type StateValues = Record<string, string | number>;

export interface StateDriver {
  readonly kind: 'mock' | 'api';
  setup(state: string, params: Record<string, unknown>): Promise<StateValues>;
  teardown(state: string, params: Record<string, unknown>): Promise<void>;
  /** After the last interaction: cleans up what states made for the whole run (a real Togai's accounts). */
  finish?(): Promise<void>;
}

/** A state that cannot be established on this provider. */
export class UnsupportedStateError extends Error {
  override name = 'UnsupportedStateError';
}

export const isKnownState = (name: string): name is ProviderStateName =>
  (PROVIDER_STATE_NAMES as string[]).includes(name);

async function readMessage(res: Response): Promise<string> {
  const text = await res.text();
  try {
    const m = (JSON.parse(text) as { message?: unknown }).message;
    if (typeof m === 'string') return m;
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.slice(0, 300) || res.statusText;
}

/** True when the base URL is a togai-mock (it answers its health check). */
export async function isTogaiMock(baseUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${baseUrl}/_mock/health`, { signal: AbortSignal.timeout(5_000) });
    if (res.status !== 200) return false;
    const body = (await res.json()) as { status?: unknown };
    return body.status === 'ok';
  } catch {
    return false;
  }
}

export interface MockDriverOptions {
  baseUrl: string;
  /** The mock's admin token, when it has one. */
  adminToken?: string | undefined;
  /** Sent as X-Mock-Tenant, so states land where the verified requests go (isolated tenants). */
  tenantCredential?: string | undefined;
}

export function mockStateDriver(options: MockDriverOptions): StateDriver {
  const call = async (
    state: string,
    params: Record<string, unknown>,
    action: 'setup' | 'teardown',
  ): Promise<StateValues> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (options.adminToken) headers.authorization = `Bearer ${options.adminToken}`;
    if (options.tenantCredential) headers['x-mock-tenant'] = options.tenantCredential;
    const res = await fetch(`${options.baseUrl}/_mock/provider-states`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ state, params, action }),
    });
    if (!res.ok) throw new Error(`the mock answered ${res.status}: ${await readMessage(res)}`);
    return (await res.json()) as StateValues;
  };
  return {
    kind: 'mock',
    setup: (state, params) => call(state, params, 'setup'),
    teardown: async (state, params) => {
      await call(state, params, 'teardown');
    },
  };
}

export interface ApiDriverOptions {
  baseUrl: string;
  /** Credential for the state calls (the same one the verified requests use). */
  token: string;
  /** Today's date (UTC) for credits without an effectiveFrom; injectable for tests. */
  today?: () => string;
}

/** What one setup made on a real Togai that its teardown takes back. */
interface Made {
  creditId?: string;
  event?: Record<string, unknown>;
}

/**
 * States on a real Togai, through its public API. Credits made here get
 * Togai's ids, not the requested ones: pacts reach them through
 * `fromProviderState('${creditId}')`, which this driver feeds (and
 * `${togaiCustomerId}` for a customer a state made or found).
 *
 * Togai only archives what is deleted, and an archived id can never be used
 * again. So customers and accounts made by states live for the whole run
 * (the next interaction's state finds them) and are deleted when it ends
 * (finish()); a state naming one that is archived (a deleting interaction,
 * or an earlier run) gets a fresh id instead, `<id>-<suffix>`, handed back
 * as `${customerId}` / `${accountId}` for pacts to use. Teardown voids the
 * state's credit and undoes its event.
 */
export function apiStateDriver(options: ApiDriverOptions): StateDriver {
  const today = options.today ?? (() => new Date().toISOString().slice(0, 10));
  const made = new Map<string, Made>();
  /** Customers and accounts made during the run, in creation order; and the fresh ids given for archived ones. */
  const run = { customers: [] as string[], accounts: [] as string[] };
  const renamed = new Map<string, string>();
  let fresh = 0;
  const freshId = (id: string): string => `${id.slice(0, 40)}-${Date.now().toString(36).slice(-5)}${fresh++}`;
  const keyOf = (state: string, params: Record<string, unknown>) => `${state}\u0000${JSON.stringify(params)}`;
  const api = async (method: string, path: string, body?: unknown): Promise<Response> =>
    fetch(`${options.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${options.token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const str = (params: Record<string, unknown>, name: string, state: string): string => {
    const v = params[name];
    if (typeof v !== 'string' || v === '') throw new Error(`provider state '${state}' needs params.${name} (a string)`);
    return v;
  };
  const optStr = (params: Record<string, unknown>, name: string): string | undefined =>
    typeof params[name] === 'string' && params[name] !== '' ? params[name] : undefined;
  const grant = async (state: string, params: Record<string, unknown>): Promise<string> => {
    const request: Record<string, unknown> = {
      accountId: str(params, 'accountId', state),
      purpose: STATE_CREDIT_DEFAULTS.purpose,
      effectiveFrom: params.effectiveFrom ?? today(),
      creditAmount: params.creditAmount ?? STATE_CREDIT_DEFAULTS.creditAmount,
      priority: params.priority ?? STATE_CREDIT_DEFAULTS.priority,
    };
    if (params.effectiveUntil !== undefined) request.effectiveUntil = params.effectiveUntil;
    const res = await api('POST', '/credits', { creditRequests: [request] });
    if (res.status !== 200) throw new Error(`granting a credit answered ${res.status}: ${await readMessage(res)}`);
    const id = ((await res.json()) as { credits?: Array<{ id?: unknown }> }).credits?.[0]?.id;
    if (typeof id !== 'string') throw new Error('granting a credit answered 200 without a credit id');
    return id;
  };
  const voidIt = async (id: string): Promise<Response> => api('POST', `/credits/${encodeURIComponent(id)}/void`);
  /** The customer, found or made: the id it goes by (fresh when the one asked for is archived), its togaiCustomerId. */
  const ensureCustomer = async (asked: string): Promise<{ id: string; togaiCustomerId: string }> => {
    const customerId = renamed.get(`c:${asked}`) ?? asked;
    const found = await api('GET', `/customers/${encodeURIComponent(customerId)}`);
    if (found.status === 200) {
      const c = (await found.json()) as { status?: unknown; togaiCustomerId?: unknown };
      if (c.status !== 'ARCHIVED') return { id: customerId, togaiCustomerId: String(c.togaiCustomerId) };
      renamed.set(`c:${asked}`, freshId(asked));
      return ensureCustomer(asked);
    }
    if (found.status !== 404) {
      throw new Error(`reading customer ${customerId} answered ${found.status}: ${await readMessage(found)}`);
    }
    const res = await api('POST', '/customers', {
      id: customerId,
      name: `Customer ${customerId}`,
      primaryEmail: `${customerId}@example.com`,
      address: {},
    });
    if (res.status !== 201 && res.status !== 200) {
      throw new Error(`creating customer ${customerId} answered ${res.status}: ${await readMessage(res)}`);
    }
    run.customers.push(customerId);
    return {
      id: customerId,
      togaiCustomerId: String(((await res.json()) as { togaiCustomerId?: unknown }).togaiCustomerId),
    };
  };

  /** The account, found or made with its customer: the id it goes by (fresh when the one asked is archived). */
  const ensureAccount = async (params: Record<string, unknown>, asked: string): Promise<string> => {
    const accountId = renamed.get(`a:${asked}`) ?? asked;
    const found = await api('GET', `/accounts/${encodeURIComponent(accountId)}`);
    if (found.status === 200) {
      if (((await found.json()) as { status?: unknown }).status !== 'ARCHIVED') return accountId;
      renamed.set(`a:${asked}`, freshId(asked));
      return ensureAccount(params, asked);
    }
    if (found.status !== 404) {
      throw new Error(`reading account ${accountId} answered ${found.status}: ${await readMessage(found)}`);
    }
    const customerId = (await ensureCustomer(optStr(params, 'customerId') ?? asked)).id;
    const body: Record<string, unknown> = { id: accountId, name: `Account ${accountId}`, customerId };
    const currency = optStr(params, 'invoiceCurrency');
    if (currency !== undefined) body.invoiceCurrency = currency;
    const res = await api('POST', '/accounts', body);
    if (res.status !== 201 && res.status !== 200) {
      throw new Error(`creating account ${accountId} answered ${res.status}: ${await readMessage(res)}`);
    }
    run.accounts.push(accountId);
    return accountId;
  };

  const setupState = async (state: string, params: Record<string, unknown>, m: Made): Promise<StateValues> => {
    switch (state) {
      case 'an account exists': {
        return { accountId: await ensureAccount(params, str(params, 'accountId', state)) };
      }
      case 'a customer exists': {
        const customer = await ensureCustomer(str(params, 'customerId', state));
        const values: StateValues = { customerId: customer.id, togaiCustomerId: customer.togaiCustomerId };
        const asked = optStr(params, 'accountId');
        if (asked !== undefined) values.accountId = await ensureAccount({ ...params, customerId: customer.id }, asked);
        return values;
      }
      case 'an account has a wallet balance': {
        const accountId = await ensureAccount(params, str(params, 'accountId', state));
        const target = typeof params.balance === 'number' ? params.balance : STATE_WALLET_BALANCE;
        const path = `/accounts/${encodeURIComponent(accountId)}/wallet`;
        const wallet = await api('GET', path);
        if (wallet.status !== 200) {
          throw new Error(`reading the wallet of ${accountId} answered ${wallet.status}: ${await readMessage(wallet)}`);
        }
        const balance = Number(((await wallet.json()) as { balance?: unknown }).balance ?? 0);
        if (balance >= target) return { accountId, balance };
        const res = await api('POST', `/accounts/${encodeURIComponent(accountId)}/wallet_topup`, {
          topupAmount: target - balance,
        });
        if (res.status !== 200) {
          throw new Error(`topping up the wallet of ${accountId} answered ${res.status}: ${await readMessage(res)}`);
        }
        return { accountId, balance: target };
      }
      case 'an event was ingested': {
        const accountId = await ensureAccount(params, str(params, 'accountId', state));
        const eventId = str(params, 'eventId', state);
        const schemaName = optStr(params, 'schemaName') ?? STATE_EVENT_SCHEMA;
        const event = {
          id: eventId,
          accountId,
          schemaName,
          timestamp: optStr(params, 'timestamp') ?? new Date().toISOString(),
          attributes: [],
          dimensions: {},
        };
        const res = await api('POST', '/ingest', { event });
        if (res.status !== 200 && res.status !== 202) {
          throw new Error(`ingesting event ${eventId} answered ${res.status}: ${await readMessage(res)}`);
        }
        m.event = event;
        return { accountId, eventId, schemaName };
      }
      case 'an account has an active credit': {
        const creditId = await grant(state, params);
        m.creditId = creditId;
        return { accountId: str(params, 'accountId', state), creditId };
      }
      case 'a credit is voided': {
        const creditId = await grant(state, params);
        const res = await voidIt(creditId);
        if (res.status !== 200)
          throw new Error(`voiding ${creditId} answered ${res.status}: ${await readMessage(res)}`);
        return { accountId: str(params, 'accountId', state), creditId };
      }
      case 'no credit exists': {
        const creditId = str(params, 'creditId', state);
        const res = await api('GET', `/credits/${encodeURIComponent(creditId)}`);
        if (res.status === 404) return { creditId };
        throw new UnsupportedStateError(
          `'${state}': credit ${creditId} answered ${res.status}, and a real Togai cannot delete credits`,
        );
      }
      case 'an account has consumed credits':
        throw new UnsupportedStateError(
          `'${state}' cannot be set up on a real Togai: credits are consumed only by invoices, which the Credits API does not create`,
        );
      default:
        throw new UnsupportedStateError(`'${state}' is not a togai-mock provider state`);
    }
  };

  const quietly = (p: Promise<Response>) => p.catch(() => undefined);
  /**
   * Best effort: the interaction may have done it already (voided the
   * credit, undone the event). A real API cannot delete credits or wallet
   * entries: voiding the state's credit keeps the balance as it was, and a
   * wallet top-up stays until its account is deleted (the docs say so).
   */
  const cleanUp = async (m: Made): Promise<void> => {
    if (m.creditId !== undefined) await quietly(voidIt(m.creditId));
    if (m.event !== undefined) await quietly(api('POST', '/events/correction?action=UNDO', { event: m.event }));
  };

  return {
    kind: 'api',
    async finish() {
      for (const id of run.accounts.splice(0).reverse()) {
        await quietly(api('DELETE', `/accounts/${encodeURIComponent(id)}`));
      }
      for (const id of run.customers.splice(0).reverse()) {
        await quietly(api('DELETE', `/customers/${encodeURIComponent(id)}`));
      }
    },
    async setup(state, params): Promise<StateValues> {
      const m: Made = {};
      try {
        const values = await setupState(state, params, m);
        made.set(keyOf(state, params), m);
        return values;
      } catch (err) {
        // A setup that fails half-way takes back what it made.
        await cleanUp(m);
        throw err;
      }
    },
    async teardown(state, params) {
      const key = keyOf(state, params);
      const m = made.get(key);
      made.delete(key);
      if (m !== undefined) await cleanUp(m);
    },
  };
}
