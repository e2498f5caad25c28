// Events through two replicas on one Redis: the same event id sent at the
// same moment through A and B (by /ingest and /ingestBatch alike) completes
// once, whichever replica's command the log orders first, and both replicas
// list the same events afterwards.

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { redisAvailable, TestRedis, warnIfRedisMissing } from '../helpers/redis.js';
import { creditRequest, ReplicaGroup, type Replica } from '../helpers/replicas.js';

// Child processes and a build on a busy 2-core machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 400_000 });
warnIfRedisMissing('events on replicas (test/reliability/replicas-events.test.ts)');

const COMPLETED = 'INGESTION_COMPLETED_NO_MATCHING_METERS';

let redis: TestRedis | undefined;
let group: ReplicaGroup | undefined;
beforeAll(async () => {
  if (redisAvailable) redis = await TestRedis.start();
});
afterAll(async () => {
  await group?.killAll();
  await redis?.dispose();
});

describe.skipIf(!redisAvailable)('events on two replicas sharing one Redis', () => {
  let a: Replica;
  let b: Replica;
  beforeAll(async () => {
    group = new ReplicaGroup(redis!.url, 'events:');
    [a, b] = await group.pair();
    const made = await a.call('POST', '/credits', {
      body: { creditRequests: [creditRequest({ accountId: 'ACC-E' })] },
    });
    expect(made.status, made.text).toBe(200);
  });

  const event = (id: string) => ({
    id,
    accountId: 'ACC-E',
    schemaName: 'rides',
    timestamp: new Date().toISOString(),
    attributes: [{ name: 'km', value: '1' }],
    dimensions: {},
  });

  it('the same event id ingested at the same moment through A and B completes once', async () => {
    for (let round = 0; round < 5; round++) {
      const id = `same-${round}`;
      const results = await Promise.all([
        a.call('POST', '/ingest', { body: { event: event(id) } }),
        b.call('POST', '/ingest', { body: { event: event(id) } }),
        a.call('POST', '/ingestBatch', { body: { events: [event(id)] } }),
        b.call('POST', '/ingestBatch', { body: { events: [event(id)] } }),
      ]);
      for (const r of results) expect([202, 207], r.text).toContain(r.status);
      const completed = results.filter((r) => r.body.details.events[0].status === COMPLETED);
      expect(completed).toHaveLength(1);
      const [onA, onB] = await Promise.all([a.call('GET', `/events/${id}`), b.call('GET', `/events/${id}`)]);
      expect(onA.status, onA.text).toBe(200);
      expect(onA.body).toEqual(onB.body);
      expect(onA.body.events).toHaveLength(4);
      expect(onA.body.events.filter((e: any) => e.ingestionStatus.status === COMPLETED)).toHaveLength(1);
    }
    const [listA, listB] = await Promise.all([
      a.call('GET', `/events?account_id=ACC-E&status=${COMPLETED}`),
      b.call('GET', `/events?account_id=ACC-E&status=${COMPLETED}`),
    ]);
    expect(listA.body.events).toHaveLength(5);
    expect(listA.body).toEqual(listB.body);
  });
});
