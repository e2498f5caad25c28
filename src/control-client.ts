// The client side of the control API (/_mock): seed, clock and requests as
// typed calls over HTTP. Shared by startTogaiMock (index.ts) and the
// Testcontainers module, so an in-process mock and a container are driven
// the same way.

import type { components, operations } from './spec/control-types.gen.js';

type ControlSchemas = components['schemas'];
/** What `seed()` asks for: how many accounts, credits each, and the seed. All optional. */
export type SeedOptions = Partial<ControlSchemas['SeedRequest']>;
export type SeedResult = ControlSchemas['SeedResponse'];
/** The fake clock: `now` (ISO 8601) and whether it is frozen. */
export type ClockState = components['responses']['Clock']['content']['application/json'];
/** One request the Togai API received, as the journal recorded it. */
export type RecordedRequest = ControlSchemas['JournalEntry'];
export type RequestFilter = NonNullable<operations['listRequests']['parameters']['query']>;

/** A control call that did not succeed; `message` is the mock's own explanation. */
export class TogaiMockError extends Error {
  override name = 'TogaiMockError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface MockClock {
  /** Where the fake clock is now. */
  now(): Promise<ClockState>;
  /** Freezes the clock at a moment (ISO 8601 string, Date or epoch ms). */
  set(time: string | Date | number): Promise<ClockState>;
  /** Moves the clock forward (negative: back) by seconds; it stays frozen there. */
  advance(seconds: number): Promise<ClockState>;
  /** Back to following real time. */
  reset(): Promise<ClockState>;
}

export type WalletDebitResult = ControlSchemas['WalletDebitResult'];
export type WalletHoldOutcome = components['responses']['WalletHoldOutcome']['content']['application/json'];

/** Which holds: all of the wallet's, those of an invoice, or one. */
export interface WalletHoldSelector {
  invoiceId?: string;
  holdId?: string;
}

/**
 * Drawing on account wallets where Togai's invoices would (POST
 * /_mock/accounts/{id}/wallet/...): entries appear in the wallet's entries.
 */
export interface MockWallets {
  /** Debits the wallet by `amount`, as far as its balance covers it. */
  debit(accountId: string, amount: number, ref?: { invoiceId?: string; entityId?: string }): Promise<WalletDebitResult>;
  /** Puts `amount` on hold (an ON_HOLD entry whose id is `entryId`). */
  hold(accountId: string, amount: number, ref?: { invoiceId?: string; entityId?: string }): Promise<WalletDebitResult>;
  /** Turns holds into debits. */
  settleHolds(accountId: string, selector?: WalletHoldSelector): Promise<WalletHoldOutcome>;
  /** Gives held amounts back. */
  releaseHolds(accountId: string, selector?: WalletHoldSelector): Promise<WalletHoldOutcome>;
}

/** The control helpers, acting on one tenant (see `forTenant`). */
export interface MockControl {
  /** Wallet debits and holds. */
  readonly wallets: MockWallets;
  /** Seeds realistic accounts and credits (POST /_mock/seed). */
  seed(options?: SeedOptions): Promise<SeedResult>;
  readonly clock: MockClock;
  /** What the Togai API received, oldest first (GET /_mock/requests). */
  requests(filter?: RequestFilter): Promise<RecordedRequest[]>;
}

const walletPath = (accountId: string): string => `/_mock/accounts/${encodeURIComponent(accountId)}/wallet`;

function toIso(time: string | Date | number): string {
  if (typeof time === 'string') return time;
  return new Date(time).toISOString();
}

/** One control call: JSON in and out, the admin token and tenant header when given; a failure throws TogaiMockError. */
export type ControlCall = <T>(method: string, path: string, body?: unknown) => Promise<T>;

export function controlCall(url: string, adminToken: string | undefined, tenant: string | undefined): ControlCall {
  return async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (adminToken !== undefined) headers.authorization = `Bearer ${adminToken}`;
    if (tenant !== undefined) headers['x-mock-tenant'] = tenant;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${url}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const parsed: unknown = text === '' ? undefined : JSON.parse(text);
    if (!res.ok) {
      const message = (parsed as { message?: unknown } | undefined)?.message;
      throw new TogaiMockError(
        `${method} ${path} failed with ${res.status}: ${typeof message === 'string' ? message : text}`,
        res.status,
      );
    }
    return parsed as T;
  };
}

export function controlClient(url: string, adminToken: string | undefined, tenant: string | undefined): MockControl {
  const call = controlCall(url, adminToken, tenant);
  return {
    seed: (options = {}) => call<SeedResult>('POST', '/_mock/seed', options),
    clock: {
      now: () => call<ClockState>('GET', '/_mock/clock'),
      set: (time) => call<ClockState>('PUT', '/_mock/clock', { now: toIso(time) }),
      advance: (seconds) => call<ClockState>('POST', '/_mock/clock/advance', { seconds }),
      reset: () => call<ClockState>('DELETE', '/_mock/clock'),
    },
    wallets: {
      debit: (accountId, amount, ref = {}) =>
        call<WalletDebitResult>('POST', `${walletPath(accountId)}/debit`, { amount, ...ref }),
      hold: (accountId, amount, ref = {}) =>
        call<WalletDebitResult>('POST', `${walletPath(accountId)}/debit`, { amount, ...ref, hold: true }),
      settleHolds: (accountId, selector = {}) =>
        call<WalletHoldOutcome>('POST', `${walletPath(accountId)}/holds/settle`, selector),
      releaseHolds: (accountId, selector = {}) =>
        call<WalletHoldOutcome>('POST', `${walletPath(accountId)}/holds/release`, selector),
    },
    async requests(filter = {}) {
      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(filter)) if (value !== undefined) query.set(key, String(value));
      const qs = query.size > 0 ? `?${query}` : '';
      return (await call<{ requests: RecordedRequest[] }>('GET', `/_mock/requests${qs}`)).requests;
    },
  };
}
