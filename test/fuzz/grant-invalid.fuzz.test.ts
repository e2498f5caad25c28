// Property: every grant body the spec or the grant rules forbid — wrong
// types, missing and extra fields, huge and tiny numbers, NaN-like strings,
// impossible dates, odd unicode, deep nesting, __proto__/constructor keys,
// duplicate keys — anywhere in an otherwise valid batch is answered 4xx with
// a Togai {"message"} naming the field, and nothing at all is stored (the
// whole store snapshot is unchanged). Seed and size: see config.ts.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditRequest, startTestMock, type TestMock } from '../helpers/mock.js';
import { FUZZ_TIMEOUT, fcParams } from './config.js';
import { isTogaiError, RawClient } from './http.js';
import { invalidBatch, toJsonText } from './spec-arbitraries.js';

let mock: TestMock;
let client: RawClient;

beforeAll(async () => {
  mock = await startTestMock({ seed: 11 });
  mock.setTime('2025-06-01T12:00:00Z');
  client = new RawClient(mock.url);
  // Some state to leave untouched, including idempotency keys a bad batch might reuse.
  const seeded = await mock.call('POST', '/credits', {
    body: {
      creditRequests: [
        creditRequest({ idempotencyKey: 'same-key' }),
        creditRequest({ accountId: 'ACC002', idempotencyKey: 'same-key' }),
        creditRequest({ accountId: '__proto__' }),
      ],
    },
  });
  expect(seeded.status).toBe(200);
});
afterAll(() => client.close());

const state = (): string => JSON.stringify(mock.runtime.store.snapshot());

describe('fuzz: invalid grant batches', () => {
  it(
    'answers 4xx with a Togai message naming the field, and stores nothing',
    async () => {
      const before = state();
      await fc.assert(
        fc.asyncProperty(invalidBatch, async (m) => {
          const res = await client.post('/credits', toJsonText(m.body));
          expect(res.status, `${m.what}: ${res.text}`).toBeGreaterThanOrEqual(400);
          expect(res.status, `${m.what}: ${res.text}`).toBeLessThan(500);
          expect(isTogaiError(res), `${m.what}: ${res.text}`).toBe(true);
          if (m.names !== undefined) expect((res.json as { message: string }).message, m.what).toContain(m.names);
          expect(state(), `${m.what} changed the store`).toBe(before);
        }),
        fcParams(2000),
      );
      const health = await client.get('/_mock/health');
      expect(health.status).toBe(200);
    },
    FUZZ_TIMEOUT,
  );
});
