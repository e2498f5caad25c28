// The services replicas share through Redis besides the log, each seen from
// two connections (two replicas): the per-credential rate limit counts the
// requests of both in one window, and the journal shows what both recorded,
// in one order, with the replica that answered.

import { describe, expect, it, vi } from 'vitest';
import { LogUnavailableError } from '../../src/store/backends/types.js';
import { RedisConnection } from '../../src/store/backends/redis/connection.js';
import { RedisJournalStore } from '../../src/store/backends/redis/journal.js';
import { RedisRateCounter } from '../../src/store/backends/redis/rate.js';
import { redisAvailable, warnIfRedisMissing } from '../helpers/redis.js';
import { freshPrefix, keepingLogger, useRedis } from './redis-support.js';

warnIfRedisMissing('Redis rate-limit and journal tests (test/store/redis-shared.test.ts)');

/**
 * A refused hit's wait: the whole seconds until the oldest counted hit leaves the window. That hit came at most
 * `elapsedMs` before the refused one (Redis and this process share a clock), so the wait lies between the window less
 * that time and the whole window, both rounded up, and is at least 1.
 */
function expectWait(wait: number | undefined, windowMs: number, elapsedMs: number): void {
  expect(wait, 'refused with a wait').toBeDefined();
  expect(Number.isInteger(wait), `${wait} is whole seconds`).toBe(true);
  expect(wait).toBeGreaterThanOrEqual(Math.max(1, Math.ceil((windowMs - elapsedMs) / 1000)));
  expect(wait).toBeLessThanOrEqual(Math.ceil(windowMs / 1000));
}

/** Makes every counted hit under `keys` `ms` older (their scores are arrival times in ms), as if that time passed. */
async function age(connection: RedisConnection, keys: string[], ms: number): Promise<void> {
  for (const key of keys) {
    const scored = await connection.client.zrange(key, '0', '-1', 'WITHSCORES');
    for (let i = 0; i < scored.length; i += 2)
      await connection.client.zadd(key, 'XX', String(Number(scored[i + 1]) - ms), scored[i]!);
  }
}

describe.skipIf(!redisAvailable)('shared services on a real Redis', () => {
  const { redis, newConnection } = useRedis();

  async function twoConnections(): Promise<[RedisConnection, RedisConnection]> {
    const a = newConnection();
    const b = newConnection();
    await Promise.all([a.ready(), b.ready()]);
    return [a, b];
  }

  describe('RedisRateCounter', () => {
    it('counts one window per credential across replicas; a refused request is not counted; the window slides', async () => {
      const [ca, cb] = await twoConnections();
      const prefix = freshPrefix();
      // A window far longer than the hits take, however busy the machine; its passing is simulated below.
      const windowMs = 60_000;
      const a = new RedisRateCounter({ connection: ca, prefix, windowMs });
      const b = new RedisRateCounter({ connection: cb, prefix, windowMs });
      const began = Date.now();
      expect(await a.hit('c:token-1', 3)).toBeUndefined();
      expect(await b.hit('c:token-1', 3)).toBeUndefined();
      expect(await a.hit('c:token-1', 3)).toBeUndefined();
      // The fourth in the window, whichever replica sees it.
      expectWait(await b.hit('c:token-1', 3), windowMs, Date.now() - began);
      expectWait(await a.hit('c:token-1', 3), windowMs, Date.now() - began);
      // Another credential has its own window.
      expect(await b.hit('c:token-2', 3)).toBeUndefined();
      // The refused ones were not counted: three requests in token-1's window, one in token-2's.
      const keys = await ca.client.keys(`${prefix}rate:*`);
      expect((await Promise.all(keys.map((k) => ca.client.zcard(k)))).sort()).toEqual([1, 3]);
      // Once the window has passed (the counted requests made older than it), three more pass, and the fourth is
      // refused.
      await age(ca, keys, windowMs + 1);
      expect(await a.hit('c:token-1', 3)).toBeUndefined();
      expect(await b.hit('c:token-1', 3)).toBeUndefined();
      expect(await a.hit('c:token-1', 3)).toBeUndefined();
      expect(await b.hit('c:token-1', 3)).toBeGreaterThanOrEqual(1);
      // Requests inside the window still count: made almost a window old, they are not trimmed.
      await age(ca, keys, windowMs - 10_000);
      expect(await a.hit('c:token-1', 3)).toBeGreaterThanOrEqual(1);
    });

    it('Retry-After is the whole seconds until the oldest request leaves the window', async () => {
      const [ca] = await twoConnections();
      const counter = new RedisRateCounter({ connection: ca, prefix: freshPrefix(), windowMs: 2500 });
      const began = Date.now();
      expect(await counter.hit('k', 1)).toBeUndefined();
      // 3 when the second hit comes within 0.5 s of the first (2.5 s rounded up), less on a machine that took longer.
      expectWait(await counter.hit('k', 1), 2500, Date.now() - began);
    });

    it('many concurrent hits from two replicas allow exactly the limit', async () => {
      const [ca, cb] = await twoConnections();
      const prefix = freshPrefix();
      const a = new RedisRateCounter({ connection: ca, prefix, windowMs: 60_000 });
      const b = new RedisRateCounter({ connection: cb, prefix, windowMs: 60_000 });
      const results = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? a : b).hit('c:busy', 25)));
      expect(results.filter((r) => r === undefined)).toHaveLength(25);
      expect(results.filter((r) => r !== undefined).every((r) => r! >= 1 && r! <= 60)).toBe(true);
    });

    it('no limit counts nothing; clear() forgets every count; keys never hold the credential', async () => {
      const [ca, cb] = await twoConnections();
      const prefix = freshPrefix();
      const a = new RedisRateCounter({ connection: ca, prefix, windowMs: 60_000 });
      const b = new RedisRateCounter({ connection: cb, prefix, windowMs: 60_000 });
      expect(await a.hit('c:secret-token', 0)).toBeUndefined();
      expect(await ca.client.keys(`${prefix}rate:*`)).toEqual([]);
      const began = Date.now();
      await a.hit('c:secret-token', 1);
      expectWait(await b.hit('c:secret-token', 1), 60_000, Date.now() - began);
      const keys = await ca.client.keys(`${prefix}*`);
      expect(keys).toHaveLength(1);
      expect(keys[0]).not.toContain('secret');
      // Another fake's counters (another prefix) survive a clear.
      const other = new RedisRateCounter({ connection: ca, prefix: freshPrefix(), windowMs: 60_000 });
      const otherBegan = Date.now();
      await other.hit('c:secret-token', 1);
      await b.clear();
      expect(await a.hit('c:secret-token', 1)).toBeUndefined();
      expectWait(await other.hit('c:secret-token', 1), 60_000, Date.now() - otherBegan);
    });
  });

  describe('RedisJournalStore', () => {
    type Entry = { method: string; path: string; tenant: string };
    const entry = (i: number, tenant = 'shared'): Entry => ({
      method: i % 2 ? 'POST' : 'GET',
      path: `/credits/${i}`,
      tenant,
    });

    it('entries from two replicas are listed together, oldest first, with the replica that added them', async () => {
      const [ca, cb] = await twoConnections();
      const prefix = freshPrefix();
      const a = new RedisJournalStore<Entry>({ connection: ca, prefix, replica: 'replica-a' });
      const b = new RedisJournalStore<Entry>({ connection: cb, prefix, replica: 'replica-b' });
      for (let i = 0; i < 6; i++) await (i % 2 ? b : a).add(entry(i));
      const fromA = await a.list({ limit: 100 });
      expect(fromA.map((r) => r.entry)).toEqual([0, 1, 2, 3, 4, 5].map((i) => entry(i)));
      expect(fromA.map((r) => r.replica)).toEqual([
        'replica-a',
        'replica-b',
        'replica-a',
        'replica-b',
        'replica-a',
        'replica-b',
      ]);
      expect(await b.list({ limit: 100 })).toEqual(fromA);
      // Ids increase; `after`, `limit` and `match` select as the in-memory journal does.
      const ids = fromA.map((r) => r.id);
      expect([...ids].sort((x, y) => x - y)).toEqual(ids);
      expect((await b.list({ limit: 2 })).map((r) => r.entry.path)).toEqual(['/credits/4', '/credits/5']);
      expect((await b.list({ limit: 100, after: ids[3] })).map((r) => r.entry.path)).toEqual([
        '/credits/4',
        '/credits/5',
      ]);
      expect((await b.list({ limit: 2, match: (e) => e.method === 'GET' })).map((r) => r.entry.path)).toEqual([
        '/credits/2',
        '/credits/4',
      ]);
    });

    it('keeps only the newest `limit` entries', async () => {
      const [ca, cb] = await twoConnections();
      const prefix = freshPrefix();
      const a = new RedisJournalStore<Entry>({ connection: ca, prefix, limit: 250 });
      const b = new RedisJournalStore<Entry>({ connection: cb, prefix, limit: 250 });
      await Promise.all(Array.from({ length: 900 }, (_, i) => (i % 2 ? b : a).add(entry(i))));
      const listed = await a.list({ limit: 1000 });
      expect(listed).toHaveLength(250);
      expect(new Set(listed.map((r) => r.entry.path)).size).toBe(250);
      expect(listed.at(-1)!.id).toBe(900);
      // Redis trims whole stream nodes, so it keeps about the limit, never all of it.
      const length = await ca.client.xlen(`${prefix}journal`);
      expect(length).toBeGreaterThanOrEqual(250);
      expect(length).toBeLessThan(900);
      // A matching entry older than the newest `limit` is not listed.
      expect(await a.list({ limit: 10, match: (e) => e.path === '/credits/3' })).toEqual([]);
    });

    it('clear() forgets everything or only what matches; ids keep increasing', async () => {
      const [ca, cb] = await twoConnections();
      const prefix = freshPrefix();
      const a = new RedisJournalStore<Entry>({ connection: ca, prefix });
      const b = new RedisJournalStore<Entry>({ connection: cb, prefix });
      for (let i = 0; i < 5; i++) await a.add(entry(i, i < 3 ? 'one' : 'two'));
      await b.clear((e) => e.tenant === 'one');
      expect((await a.list({ limit: 10 })).map((r) => r.entry.tenant)).toEqual(['two', 'two']);
      await a.clear();
      expect(await b.list({ limit: 10 })).toEqual([]);
      await b.add(entry(9));
      expect((await a.list({ limit: 10 })).map((r) => r.id)).toEqual([6]);
    });

    it('add() never rejects while Redis is down (it counts what was lost); list() fails with LogUnavailableError', async () => {
      const logger = keepingLogger();
      const connection = new RedisConnection({ url: redis().url, logger: keepingLogger() });
      try {
        await connection.ready();
        const journal = new RedisJournalStore<Entry>({ connection, prefix: freshPrefix(), logger });
        await journal.add(entry(1));
        await redis().stop();
        await journal.add(entry(2));
        await journal.add(entry(3));
        expect(journal.dropped).toBe(2);
        expect(logger.warnings).toHaveLength(1);
        expect(logger.warnings[0]).toMatch(
          /journal entries are not recorded: Redis at redis:\/\/127\.0\.0\.1:\d+ is unreachable/,
        );
        await expect(journal.list({ limit: 10 })).rejects.toBeInstanceOf(LogUnavailableError);
        await redis().restart();
        await vi.waitFor(() => expect(connection.connected).toBe(true), { timeout: 15_000, interval: 50 });
        await journal.add(entry(4));
        expect(logger.infos.join('\n')).toMatch(/records again \(2 entries were lost/);
        expect((await journal.list({ limit: 10 })).map((r) => r.entry.path)).toEqual(['/credits/1', '/credits/4']);
      } finally {
        await connection.close();
      }
    });
  });
});
