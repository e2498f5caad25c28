// The public library API: start togai-mock in-process, e.g. from a vitest
// globalSetup or beforeAll, and drive it from the test.

import { resolveOptions, type TogaiMockOptions } from './options.js';
import { startServer } from './server.js';
import type { MockRuntime } from './runtime.js';

export type { TogaiMockOptions } from './options.js';
export type * from './spec/types.js';

export interface TogaiMock {
  /** Base URL, e.g. http://127.0.0.1:53122 */
  readonly url: string;
  readonly port: number;
  /** Internals for advanced use; not a stable API. */
  readonly runtime: MockRuntime;
  /** Forgets all credits, accounts and clocks. */
  reset(): void;
  /** Stops the server. */
  close(): Promise<void>;
}

/**
 * Starts togai-mock. `port` defaults to 0 here (a free port), unlike the CLI,
 * so parallel test files never collide.
 */
export async function startTogaiMock(options: Partial<TogaiMockOptions> = {}): Promise<TogaiMock> {
  const running = await startServer(resolveOptions({ port: 0, logLevel: 'silent' }, options));
  return {
    url: running.url,
    port: running.port,
    runtime: running.runtime,
    reset: () => running.runtime.store.reset(),
    close: () => running.close(),
  };
}
