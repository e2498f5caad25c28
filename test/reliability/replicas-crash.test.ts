// Replicas on Redis when things go wrong: a replica
// that starts late or restarts after kill -9 catches up; Redis killed with
// SIGKILL and restarted (appendonly, fsync always) loses nothing that was
// answered 200 and the replicas reconnect by themselves; while Redis is
// unreachable every request gets a 503 that says so, never a stale answer.
// Real mock processes (the built CLI) and a real redis-server.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { redisAvailable, TestRedis, warnIfRedisMissing } from '../helpers/redis.js';
import { creditRequest, ReplicaGroup, type Replica } from '../helpers/replicas.js';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 400_000 });
warnIfRedisMissing('replicas on Redis under crashes (test/reliability/replicas-crash.test.ts)');

let redis: TestRedis | undefined;
const groups: ReplicaGroup[] = [];
beforeAll(async () => {
  if (redisAvailable) redis = await TestRedis.start();
});
afterAll(async () => {
  for (const group of groups) await group.killAll();
  await redis?.dispose();
});

function newGroup(prefix: string, env: Record<string, string> = {}): ReplicaGroup {
  const group = new ReplicaGroup(redis!.url, prefix, { env });
  groups.push(group);
  return group;
}

const grant = (replica: Replica, ...requests: Record<string, unknown>[]) =>
  replica.call('POST', '/credits', { body: { creditRequests: requests } });

/** Every credit of the shared tenant by idempotency key, as one replica sees it (GET /_mock/state). */
async function creditsByKey(replica: Replica): Promise<Map<string, any>> {
  const state = await replica.call('GET', '/_mock/state');
  expect(state.status, state.text).toBe(200);
  const byKey = new Map<string, any>();
  for (const t of state.body.tenants) {
    for (const c of t.ledger.credits) {
      const key = c.request.idempotencyKey as string;
      expect(byKey.has(key), `credit ${key} stored twice`).toBe(false);
      byKey.set(key, c);
    }
  }
  return byKey;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls GET /_mock/health until `ok` holds, for at most `ms`. */
async function healthUntil(replica: Replica, ok: (body: any) => boolean, ms = 30_000): Promise<any> {
  const deadline = Date.now() + ms;
  let last: any;
  while (Date.now() < deadline) {
    const h = await replica.call('GET', '/_mock/health', { token: null }).catch(() => undefined);
    last = h?.body;
    if (h?.status === 200 && ok(h.body)) return h.body;
    await sleep(100);
  }
  throw new Error(`health never matched within ${ms} ms; last: ${JSON.stringify(last)}`);
}

/**
 * Grants from `workers` loops spread over the replicas, one credit per
 * request with a unique idempotency key, until stop() is called; keeps
 * which keys were answered 200 and what else was answered.
 */
function keepGranting(replicas: () => Replica[], tag: string, workers = 6) {
  const acked = new Set<string>();
  const other = new Map<number | string, number>();
  let stopped = false;
  const loops = Array.from({ length: workers }, async (_, w) => {
    for (let i = 0; !stopped; i++) {
      const key = `${tag}-w${w}-${i}`;
      const all = replicas();
      const target = all[(w + i) % all.length]!;
      try {
        const r = await grant(
          target,
          creditRequest({ accountId: `ACC-${tag}-${w}`, purpose: key, idempotencyKey: key }),
        );
        if (r.status === 200) acked.add(key);
        else other.set(r.status, (other.get(r.status) ?? 0) + 1);
      } catch {
        other.set('network', (other.get('network') ?? 0) + 1);
        await sleep(20);
      }
    }
  });
  return {
    acked,
    other,
    async stop(): Promise<void> {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

describe.skipIf(!redisAvailable)('a replica that starts late or restarts', () => {
  it('a replica started after the changes sees all of them on its first request', async () => {
    const group = newGroup('late:');
    const a = await group.add();
    const made = await grant(
      a,
      ...Array.from({ length: 30 }, (_, i) =>
        creditRequest({ accountId: 'ACC-LATE', purpose: `l${i}`, idempotencyKey: `late-${i}` }),
      ),
    );
    expect(made.status, made.text).toBe(200);
    await a.call('PUT', '/_mock/clock', { body: { now: '2031-03-04T05:06:07Z' } });
    const late = await group.add();
    const list = await late.call('GET', '/credits?account_id=ACC-LATE&pageSize=50');
    expect(list.body.data.map((c: any) => c.id)).toEqual(made.body.credits.map((c: any) => c.id));
    expect((await late.call('GET', '/_mock/clock')).body.now).toBe('2031-03-04T05:06:07.000Z');
    expect((await late.call('GET', '/_mock/state')).body.tenants).toEqual(
      (await a.call('GET', '/_mock/state')).body.tenants,
    );
  });

  it('a replica that starts after a snapshot was taken loads it and the changes after it', async () => {
    // A snapshot every 5 log entries. Grants go on (through both replicas)
    // until the stream no longer starts at seq 1: a replica starting now
    // cannot replay the log from the beginning, it must load a snapshot.
    const group = newGroup('snap:', { TOGAI_MOCK_STATE_SNAPSHOT_EVERY: '5' });
    const [a, b] = await group.pair();
    const client = new Redis(redis!.url, { lazyConnect: true });
    let granted = 0;
    try {
      await client.connect();
      const firstSeq = async (): Promise<number> => {
        const [first] = await client.xrange('snap:log', '-', '+', 'COUNT', 1);
        return first === undefined ? 0 : Number(first[0].split('-')[1]);
      };
      while (granted < 300 && (granted < 24 || (await firstSeq()) <= 1)) {
        const r = await grant(
          granted % 2 === 0 ? a : b,
          creditRequest({ accountId: 'ACC-SNAP', purpose: `s${granted}`, idempotencyKey: `snap-${granted}` }),
        );
        expect(r.status, r.text).toBe(200);
        granted++;
      }
      expect(await firstSeq(), 'the log was never compacted').toBeGreaterThan(1);
      expect(Number((await client.hgetall('snap:snapshot')).seq)).toBeGreaterThan(0);
    } finally {
      client.disconnect();
    }
    const stateOf = async (r: Replica) => (await r.call('GET', '/_mock/state')).body.tenants;
    expect(await stateOf(b)).toEqual(await stateOf(a));
    const late = await group.add();
    const keys = async (r: Replica) => [...(await creditsByKey(r)).keys()].sort();
    expect(await keys(late)).toEqual(Array.from({ length: granted }, (_, i) => `snap-${i}`).sort());
    expect(await stateOf(late)).toEqual(await stateOf(a));
  });

  it('seed and fixtures given to every replica at start are loaded once, however many start together', async () => {
    const fixtures = join(redis!.dir, 'fixtures.json');
    writeFileSync(
      fixtures,
      JSON.stringify({
        accounts: [{ accountId: 'ACC-FIX', currency: 'USD' }],
        credits: [
          {
            id: 'cred.startupFixt.00001',
            accountId: 'ACC-FIX',
            purpose: 'PREPAID_CREDIT',
            effectiveFrom: '2024-01-01',
            creditAmount: 7,
            priority: 1,
          },
        ],
      }),
    );
    const group = newGroup('startup:', {
      TOGAI_MOCK_SEED: '11',
      TOGAI_MOCK_SEED_ACCOUNTS: '4',
      TOGAI_MOCK_FIXTURES: fixtures,
    });
    const [a, b] = await group.pair();
    const c = await group.add();
    const views = await Promise.all([a, b, c].map((r) => r.call('GET', '/_mock/accounts?limit=500')));
    for (const v of views) {
      expect(v.status, v.text).toBe(200);
      expect(v.body.total).toBe(5);
      expect(v.body).toEqual(views[0]!.body);
    }
    expect((await c.call('GET', '/credits?account_id=ACC-FIX')).body.data).toHaveLength(1);
  });

  it('a replica killed with SIGKILL under load loses nothing answered, and catches up when it restarts', async () => {
    const group = newGroup('kill:');
    const [a, b] = await group.pair();
    const load = keepGranting(() => [a, b].filter((r) => r.alive), 'kill');
    await sleep(1500);
    await a.kill();
    await sleep(1500); // B alone meanwhile
    await a.start(); // the same port
    await sleep(1000);
    await load.stop();
    expect(load.acked.size).toBeGreaterThan(0);
    const [onA, onB] = await Promise.all([creditsByKey(a), creditsByKey(b)]);
    for (const key of load.acked) expect(onA.has(key), `answered ${key} missing after the restart`).toBe(true);
    expect([...onB.keys()].sort()).toEqual([...onA.keys()].sort());
    // Nothing but 200s and the requests cut off by the kill.
    for (const status of load.other.keys()) expect(status).toBe('network');
  });
});

describe.skipIf(!redisAvailable)('Redis going away', () => {
  it('Redis killed with SIGKILL and restarted loses nothing answered 200, and the replicas reconnect by themselves', async () => {
    const group = newGroup('redis-kill:');
    const [a, b] = await group.pair();
    const load = keepGranting(() => [a, b], 'rk');
    await sleep(1500);
    await redis!.kill();
    await sleep(1000);
    await redis!.restart();
    // No replica is restarted: each finds Redis again on its own.
    await Promise.all([a, b].map((r) => healthUntil(r, (h) => h.connected === true && h.status === 'ok')));
    await sleep(1000);
    await load.stop();
    expect(load.acked.size).toBeGreaterThan(0);
    const [onA, onB] = await Promise.all([creditsByKey(a), creditsByKey(b)]);
    for (const key of load.acked) expect(onA.has(key), `answered ${key} lost with Redis`).toBe(true);
    expect([...onB.keys()].sort()).toEqual([...onA.keys()].sort());
    // While Redis was gone the answers were 503s (or cut connections), never anything else.
    for (const status of load.other.keys()) expect([503, 'network']).toContain(status);
    expect(load.other.get(503) ?? 0).toBeGreaterThan(0);
  });

  it('while Redis is unreachable every request gets a 503 saying so, never a stale answer; health says so too', async () => {
    const group = newGroup('down:');
    const [a, b] = await group.pair();
    const id = (await grant(a, creditRequest({ accountId: 'ACC-DOWN' }))).body.credits[0].id;
    expect((await b.call('GET', `/credits/${id}`)).status).toBe(200);
    await redis!.stop();
    try {
      for (const replica of [a, b]) {
        // B holds the credit in memory, but cannot know whether it is still current.
        const read = await replica.call('GET', `/credits/${id}`);
        expect(read.status).toBe(503);
        expect(read.body.message).toMatch(/Redis/);
        expect(Object.keys(read.body)).toEqual(['message']);
        const write = await grant(replica, creditRequest({ accountId: 'ACC-DOWN', purpose: 'while down' }));
        expect(write.status).toBe(503);
        expect(write.body.message).toMatch(/Redis/);
        const control = await replica.call('GET', '/_mock/accounts');
        expect(control.status).toBe(503);
        const health = await replica.call('GET', '/_mock/health', { token: null });
        expect(health.status).toBe(200);
        expect(health.body).toMatchObject({ status: 'degraded', backend: 'redis', connected: false });
        expect(health.body.redis.error).toEqual(expect.any(String));
      }
    } finally {
      await redis!.restart();
    }
    await Promise.all([a, b].map((r) => healthUntil(r, (h) => h.connected === true)));
    const after = await b.call('GET', '/credits?account_id=ACC-DOWN');
    expect(after.status).toBe(200);
    // The grant answered 503 was not stored.
    expect(after.body.data.map((c: any) => c.id)).toEqual([id]);
  });
});
