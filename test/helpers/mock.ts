// Starts togai-mock in-process for a test file, on an ephemeral port, with the
// response self-check on, and offers a small fetch wrapper. Every test file
// gets its own server: no state is shared between files.

import { afterAll, expect } from 'vitest';
import { startTogaiMock, type TogaiMock, type TogaiMockOptions } from '../../src/index.js';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface TestMock extends TogaiMock {
  /** Calls the mock with a bearer token (default "test-token"); JSON in, JSON out. */
  call<T = any>(
    method: string,
    path: string,
    options?: { body?: unknown; rawBody?: string; headers?: Record<string, string>; token?: string | null },
  ): Promise<ApiResponse<T>>;
  /** The shared tenant's clock (or a given tenant's). */
  setTime(iso: string, tenant?: string): void;
}

export async function startTestMock(options: Partial<TogaiMockOptions> = {}): Promise<TestMock> {
  const mock = await startTogaiMock({ validateResponses: true, ...options });
  afterAll(async () => {
    await mock.close();
    // Every response the suite received must have matched spec/.
    expect(mock.runtime.selfCheckFailures).toEqual([]);
  });
  return Object.assign(mock, {
    async call(method: string, path: string, opts: Parameters<TestMock['call']>[2] = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      const token = opts.token === undefined ? 'test-token' : opts.token;
      if (token !== null) headers.authorization ??= `Bearer ${token}`;
      let body: string | undefined = opts.rawBody;
      if (opts.body !== undefined) {
        body = JSON.stringify(opts.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(`${mock.url}${path}`, { method, headers, body });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: res.status, headers: res.headers, body: parsed as any, text };
    },
    setTime(iso: string, tenant = 'shared') {
      // Queued now, so it is applied before any request sent after this call.
      void mock.runtime.engine.execute({ type: 'clockSet', tenant, now: Date.parse(iso) });
    },
  }) as TestMock;
}

/** A valid credit request, with overrides. */
export function creditRequest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    accountId: 'ACC001',
    purpose: 'PREPAID_CREDIT',
    effectiveFrom: '2024-01-01',
    effectiveUntil: '2024-12-31',
    creditAmount: 1000,
    priority: 1,
    ...overrides,
  };
}
