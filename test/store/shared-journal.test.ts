// The request journal over Redis as the control API uses it (SharedJournal):
// two replicas record, either one lists both in one order with the replica
// that answered, filters apply as in the memory journal, and a tenant's
// entries can be cleared alone.

import { describe, expect, it, vi } from 'vitest';
import type { RecordedRequest } from '../../src/store/services/journal.js';
import { RedisJournalStore } from '../../src/store/backends/redis/journal.js';
import { SharedJournal } from '../../src/store/services/request-journal.js';
import { redisAvailable, warnIfRedisMissing } from '../helpers/redis.js';
import { freshPrefix, keepingLogger, useRedis } from './redis-support.js';

warnIfRedisMissing('shared request journal tests (test/store/shared-journal.test.ts)');

const request = (overrides: Partial<RecordedRequest>): RecordedRequest => ({
  arrived: Date.parse('2025-01-02T03:04:05Z'),
  method: 'GET',
  path: '/credits',
  status: 200,
  latencyMs: 1.5,
  tenant: 'shared',
  operationId: 'listCredits',
  ...overrides,
});

/**
 * Waits until `journal` lists `n` entries (record() does not wait for Redis); fails, saying what it saw, when they do
 * not
 * all arrive in 10 s, so a lost write fails here rather than as a confusing list further on.
 */
async function settled(journal: SharedJournal, n: number): Promise<void> {
  await vi.waitFor(
    async () => {
      const listed = (await journal.list({ limit: 1000 })).length;
      if (listed < n) throw new Error(`the shared journal lists ${listed} of the ${n} entries recorded`);
    },
    { timeout: 10_000, interval: 10 },
  );
}

describe.skipIf(!redisAvailable)('SharedJournal on a real Redis', () => {
  const { newConnection } = useRedis();

  async function replicas(limit = 100): Promise<[SharedJournal, SharedJournal]> {
    const prefix = freshPrefix();
    const make = async (replica: string) => {
      const connection = newConnection();
      await connection.ready();
      return new SharedJournal(new RedisJournalStore({ connection, prefix, limit, replica, logger: keepingLogger() }));
    };
    return [await make('replica-a'), await make('replica-b')];
  }

  it('lists what both replicas recorded, oldest first, with ids, bodies and the replica', async () => {
    const [a, b] = await replicas();
    await a.record(
      request({
        method: 'POST',
        operationId: 'createCredit',
        requestText: '{"creditRequests":[]}',
        responseText: '{"credits":[]}',
      }),
    );
    await settled(a, 1);
    await b.record(
      request({ status: 400, query: 'pageSize=0', responseBytes: Buffer.from('{"message":"pageSize must be >= 1"}') }),
    );
    await settled(a, 2);
    const [fromA, fromB] = [await a.list({ limit: 10 }), await b.list({ limit: 10 })];
    expect(fromA).toEqual(fromB);
    expect(fromA).toEqual([
      {
        id: expect.any(Number),
        time: '2025-01-02T03:04:05.000Z',
        method: 'POST',
        path: '/credits',
        status: 200,
        latencyMs: 1.5,
        tenant: 'shared',
        operationId: 'createCredit',
        requestBody: { creditRequests: [] },
        responseBody: { credits: [] },
        replica: 'replica-a',
      },
      {
        id: expect.any(Number),
        time: '2025-01-02T03:04:05.000Z',
        method: 'GET',
        path: '/credits',
        query: 'pageSize=0',
        status: 400,
        latencyMs: 1.5,
        tenant: 'shared',
        operationId: 'listCredits',
        responseBody: { message: 'pageSize must be >= 1' },
        error: 'pageSize must be >= 1',
        replica: 'replica-b',
      },
    ]);
    expect(fromA[1]!.id).toBeGreaterThan(fromA[0]!.id);
    expect(await b.list({ limit: 10, after: fromA[0]!.id })).toEqual([fromA[1]]);
  });

  it('filters by method, operationId, tenant and path template, and clears one tenant alone', async () => {
    const [a, b] = await replicas();
    // One at a time: two connections do not order each other's writes.
    await a.record(request({ path: '/credits/cred.x.1', operationId: 'getCreditDetails', tenant: 't1' }));
    await settled(a, 1);
    await b.record(
      request({ method: 'POST', path: '/credits/cred.x.1/void', operationId: 'voidCredit', tenant: 't2' }),
    );
    await settled(a, 2);
    await a.record(request({ tenant: 't1' }));
    await settled(a, 3);
    const templates = (e: { operationId?: string }) =>
      e.operationId === 'getCreditDetails' ? '/credits/{credit_id}' : undefined;
    const ops = async (filter: Parameters<SharedJournal['list']>[0]) =>
      (await b.list(filter, templates)).map((e) => e.operationId);
    expect(await ops({ limit: 10, method: 'post' })).toEqual(['voidCredit']);
    // operationIds in any case, as on the memory journal (Togai's own mix camelCase and PascalCase).
    expect(await ops({ limit: 10, operationId: 'GetCreditDetails' })).toEqual(['getCreditDetails']);
    expect(await ops({ limit: 10, tenant: 't1' })).toEqual(['getCreditDetails', 'listCredits']);
    expect(await ops({ limit: 10, path: '/credits/{credit_id}' })).toEqual(['getCreditDetails']);
    expect(await ops({ limit: 10, path: '/credits/*' })).toEqual(['getCreditDetails', 'voidCredit']);
    expect(await ops({ limit: 1 })).toEqual(['listCredits']);
    await a.clear('t1');
    expect(await ops({ limit: 10 })).toEqual(['voidCredit']);
    await b.clear();
    expect(await ops({ limit: 10 })).toEqual([]);
  });

  it('keeps nothing with limit 0', async () => {
    const [a] = await replicas(0);
    await a.record(request({}));
    expect(a.limit).toBe(0);
    expect(await a.list({ limit: 10 })).toEqual([]);
  });
});
