// The public library API: start togai-mock in-process, e.g. from a vitest
// globalSetup or beforeAll, and drive it from the test. The helpers (seed,
// clock, requests) are thin calls to the mock's own control API over HTTP, so
// a test sees exactly what a client of a containerised mock would see.

import { controlClient, type MockControl } from './control-client.js';
import { resolveOptions, type TogaiMockOptions } from './options.js';
import { startServer, type CloseOptions } from './server.js';
import type { MockRuntime } from './runtime.js';

export type { TogaiMockOptions, LogLevel } from './options.js';
export { OptionError } from './options.js';
export type { CloseOptions } from './server.js';
export type * from './spec/types.js';
export { TogaiMockError } from './control-client.js';
export type {
  ClockState,
  MockClock,
  MockControl,
  RecordedRequest,
  RequestFilter,
  SeedOptions,
  SeedResult,
  MockWallets,
  WalletDebitResult,
  WalletHoldOutcome,
  WalletHoldSelector,
} from './control-client.js';

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
