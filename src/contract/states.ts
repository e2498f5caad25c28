// How `togai-mock verify` puts a provider into a pact's provider states.
//
// Against togai-mock (in-process or any --provider-base-url that answers
// /_mock/health) every state goes through POST /_mock/provider-states.
// Against a real Togai (e.g. the sandbox) states are made through the public
// Credits API where that is possible (grant, void), checked where they can
// only be observed, and reported as unsupported otherwise: a state the
// verifier cannot establish must never count as a pass.

import { PROVIDER_STATE_NAMES, STATE_CREDIT_DEFAULTS, type ProviderStateName } from '../spec/provider-states.js';

export type StateValues = Record<string, string | number>;

export interface StateDriver {
  readonly kind: 'mock' | 'api';
  setup(state: string, params: Record<string, unknown>): Promise<StateValues>;
  teardown(state: string, params: Record<string, unknown>): Promise<void>;
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

/**
 * States on a real Togai, through its public Credits API. Credits made here
 * get Togai's ids, not the requested ones: pacts reach them through
 * `fromProviderState('${creditId}')`, which this driver feeds.
 */
export function apiStateDriver(options: ApiDriverOptions): StateDriver {
  const today = options.today ?? (() => new Date().toISOString().slice(0, 10));
  const made = new Map<string, string>();
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

  return {
    kind: 'api',
    async setup(state, params): Promise<StateValues> {
      switch (state) {
        case 'an account exists': {
          const accountId = str(params, 'accountId', state);
          // The Credits API cannot create accounts; the state holds if Togai knows the account.
          const res = await api('GET', `/accounts/${encodeURIComponent(accountId)}/credit_balance`);
          if (res.status === 200) return { accountId };
          throw new UnsupportedStateError(
            `'${state}' cannot be created through the Credits API and account ${accountId} is not there ` +
              `(credit_balance answered ${res.status}: ${await readMessage(res)}); create it in Togai first`,
          );
        }
        case 'an account has an active credit': {
          const creditId = await grant(state, params);
          made.set(keyOf(state, params), creditId);
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
    },
    async teardown(state, params) {
      // A real API cannot delete credits; voiding the one the state granted
      // keeps the account's balance as it was. Best effort: the interaction
      // may have voided it already.
      const key = keyOf(state, params);
      const id = made.get(key);
      made.delete(key);
      if (id !== undefined) await voidIt(id).catch(() => undefined);
    },
  };
}
