// The public library API: start togai-mock in-process, e.g. from a vitest
// globalSetup or beforeAll, and drive it from the test. The helpers (seed,
// clock, requests) are thin calls to the mock's own control API over HTTP, so
// a test sees exactly what a client of a containerised mock would see.

import type { components, operations } from './spec/control-types.gen.js';
import { resolveOptions, type TogaiMockOptions } from './options.js';
import { startServer, type CloseOptions } from './server.js';
import type { MockRuntime } from './runtime.js';

export type { TogaiMockOptions, LogLevel } from './options.js';
export { OptionError } from './options.js';
export type { CloseOptions } from './server.js';
export type * from './spec/types.js';

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

/** The control helpers, acting on one tenant (see `forTenant`). */
export interface MockControl {
  /** Seeds realistic accounts and credits (POST /_mock/seed). */
  seed(options?: SeedOptions): Promise<SeedResult>;
  readonly clock: MockClock;
  /** What the Togai API received, oldest first (GET /_mock/requests). */
  requests(filter?: RequestFilter): Promise<RecordedRequest[]>;
}

export interface TogaiMock extends MockControl {
  /** Base URL, e.g. http://127.0.0.1:53122 */
  readonly url: string;
  readonly port: number;
  /** Internals for advanced use; not a stable API. */
  readonly runtime: MockRuntime;
  /**
   * Forgets all accounts, credits, holds and clocks (as POST /_mock/reset). It is queued at
   * once, ahead of any request sent after the call, so it may be called without await; the
   * promise resolves once it is applied (and kept, with a state file).
   */
  reset(): Promise<void>;
  /** The same helpers for the tenant of a Togai credential (with `isolateTenants`). */
  forTenant(credential: string): MockControl;
  /** Stops accepting requests, lets in-flight ones finish, finishes writing the state file. */
  close(options?: CloseOptions): Promise<void>;
}

function toIso(time: string | Date | number): string {
  if (typeof time === 'string') return time;
  return new Date(time).toISOString();
}

function controlClient(url: string, adminToken: string | undefined, tenant: string | undefined): MockControl {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
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
  }

  return {
    seed: (options = {}) => call<SeedResult>('POST', '/_mock/seed', options),
    clock: {
      now: () => call<ClockState>('GET', '/_mock/clock'),
      set: (time) => call<ClockState>('PUT', '/_mock/clock', { now: toIso(time) }),
      advance: (seconds) => call<ClockState>('POST', '/_mock/clock/advance', { seconds }),
      reset: () => call<ClockState>('DELETE', '/_mock/clock'),
    },
    async requests(filter = {}) {
      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(filter)) if (value !== undefined) query.set(key, String(value));
      const qs = query.size > 0 ? `?${query}` : '';
      return (await call<{ requests: RecordedRequest[] }>('GET', `/_mock/requests${qs}`)).requests;
    },
  };
}

/**
 * Starts togai-mock. `port` defaults to 0 here (a free port) and `logLevel` to
 * silent, unlike the CLI, so parallel test files never collide or chatter.
 */
export async function startTogaiMock(options: Partial<TogaiMockOptions> = {}): Promise<TogaiMock> {
  const resolved = resolveOptions({ port: 0, logLevel: 'silent' }, options);
  const running = await startServer(resolved);
  const control = controlClient(running.url, resolved.adminToken, undefined);
  return {
    url: running.url,
    port: running.port,
    runtime: running.runtime,
    ...control,
    reset() {
      // In-process, so that `mock.reset(); mock.clock.set(...)` without await stays in order.
      return running.runtime.engine.execute({ type: 'reset' }).then(() => undefined);
    },
    forTenant: (credential) => controlClient(running.url, resolved.adminToken, credential),
    close: (closeOptions) => running.close(closeOptions),
  };
}
