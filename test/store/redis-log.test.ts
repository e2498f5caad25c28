// The command log on a real Redis, as two replicas see it: two RedisLog
// instances (two connections) on one redis-server. What is appended by one
// is read by the other, in order; concurrent appends at the same seq let
// exactly one win; snapshots replace only older ones, compact the stream, and
// a replica that fell behind a compaction is told to re-open; prefixes keep
// several fakes apart on one Redis; unreadable keys stop open() with a
// message naming them.

import { describe, expect, it, vi } from 'vitest';
import { LogConflictError, LogCorruptError, SnapshotNeededError } from '../../src/store/backends/types.js';
import { assessPersistence } from '../../src/store/backends/redis/connection.js';
import { redisAvailable, warnIfRedisMissing } from '../helpers/redis.js';
import { freshPrefix, keepingLogger, useRedis } from './redis-support.js';

warnIfRedisMissing('Redis command log tests (test/store/redis-log.test.ts)');

describe.skipIf(!redisAvailable)('RedisLog on a real Redis', () => {
  const { newLog, newConnection } = useRedis();

  /** Two replicas on one prefix, both opened. */
  async function twoReplicas(options: Parameters<typeof newLog>[0] = {}) {
    const prefix = freshPrefix();
    const a = newLog({ prefix, ...options });
    const b = newLog({ prefix, ...options });
    await a.open();
    await b.open();
    return { a, b, prefix };
  }

  it('open() on an empty Redis returns an empty state', async () => {
    const log = newLog({ prefix: freshPrefix() });
    expect(await log.open()).toEqual({ snapshotSeq: 0, snapshot: undefined, entries: [] });
    expect(await log.readAfter(0)).toEqual([]);
  });

  it('what one replica appends, the other reads, in order and exactly as sent', async () => {
    const { a, b } = await twoReplicas();
    const sent = [
      [{ type: 'grant', n: 1, text: 'é ✓ "quoted"' }],
      [{ type: 'void' }, { type: 'grant', nested: { a: [1, 2] } }],
      [],
    ];
    expect(await a.append(0, sent[0]!)).toBe(1);
    expect(await b.readAfter(0)).toEqual([{ seq: 1, commands: sent[0] }]);
    expect(await b.append(1, sent[1]!)).toBe(2);
    expect(await a.append(2, sent[2]!)).toBe(3);
    expect(await a.readAfter(1)).toEqual([
      { seq: 2, commands: sent[1] },
      { seq: 3, commands: [] },
    ]);
    expect(await b.readAfter(3)).toEqual([]);
  });

  it('reads many entries in pages and returns them all', async () => {
    const { a, b } = await twoReplicas({ pageSize: 7 });
    for (let seq = 0; seq < 50; seq++) await a.append(seq, [{ n: seq + 1 }]);
    const read = await b.readAfter(3);
    expect(read.map((e) => e.seq)).toEqual(Array.from({ length: 47 }, (_, i) => i + 4));
    expect(read.every((e) => (e.commands[0] as { n: number }).n === e.seq)).toBe(true);
  });

  it('big entries are read a few per reply (pages sized by bytes), and all of them', async () => {
    const { a, b } = await twoReplicas({ pageBytes: 120_000 });
    const big = 'x'.repeat(50_000);
    for (let seq = 0; seq < 14; seq++) await a.append(seq, [{ n: seq + 1, big }]);
    // Nothing is known of the entries' size yet: the first page may hold 500.
    expect((await b.readAfter(0)).length).toBe(14);
    for (let seq = 14; seq < 26; seq++) await a.append(seq, [{ n: seq + 1, big }]);
    const counts: number[] = [];
    const script = vi.spyOn(b.connection, 'script');
    const xrange = vi.spyOn(b.connection.client, 'xrange');
    const read = await b.readAfter(14);
    for (const call of script.mock.calls) counts.push(Number(call[2].at(-1)));
    for (const call of xrange.mock.calls) counts.push(Number(call.at(-1)));
    script.mockRestore();
    xrange.mockRestore();
    expect(read.map((e) => e.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 15));
    expect(read.every((e) => (e.commands[0] as { big: string }).big === big)).toBe(true);
    expect(counts).toEqual([2, 2, 2, 2, 2, 2]);
  });

  it('concurrent appends at the same seq from two replicas: exactly one wins, the other gets LogConflictError', async () => {
    const { a, b } = await twoReplicas();
    let seq = 0;
    for (let round = 0; round < 40; round++) {
      const results = await Promise.allSettled([
        a.append(seq, [{ by: 'a', round }]),
        b.append(seq, [{ by: 'b', round }]),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]!.reason).toBeInstanceOf(LogConflictError);
      expect(String(lost[0]!.reason.message)).toMatch(/another replica appended first/);
      seq++;
    }
    const entries = await a.readAfter(0);
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    // The winner's commands are the ones stored, once per seq.
    expect(entries.map((e) => (e.commands[0] as { round: number }).round)).toEqual(
      Array.from({ length: 40 }, (_, i) => i),
    );
  });

  it('an append behind the log (a stale replica) is a conflict; after catching up it succeeds', async () => {
    const { a, b } = await twoReplicas();
    await a.append(0, ['x']);
    await a.append(1, ['y']);
    await expect(b.append(1, ['z'])).rejects.toBeInstanceOf(LogConflictError);
    const caughtUp = await b.readAfter(0);
    expect(await b.append(caughtUp.at(-1)!.seq, ['z'])).toBe(3);
  });

  it('reopen after a snapshot returns the snapshot and the entries after it', async () => {
    const { a, prefix } = await twoReplicas();
    for (let seq = 0; seq < 5; seq++) await a.append(seq, [{ n: seq + 1 }]);
    await a.writeSnapshot(3, [{ formatVersion: 2, seq: 3 }, { tenant: 'shared' }]);
    await a.append(5, [{ n: 6 }]);
    const c = newLog({ prefix });
    const opened = await c.open();
    expect(opened.snapshotSeq).toBe(3);
    expect(opened.snapshot).toEqual([{ formatVersion: 2, seq: 3 }, { tenant: 'shared' }]);
    expect(opened.entries.map((e) => e.seq)).toEqual([4, 5, 6]);
  });

  it('a snapshot of many parts is stored in chunks and read back whole, in order', async () => {
    const { a, prefix } = await twoReplicas({ chunkBytes: 2000, chunksPerRead: 3 });
    await a.append(0, ['x']);
    const parts = Array.from({ length: 1000 }, (_, i) => ({
      i,
      credit: `cr_${i}`,
      note: i % 7 === 0 ? 'ünïcode' : null,
    }));
    await a.writeSnapshot(1, parts);
    const conn = newConnection();
    await conn.ready();
    const meta = await conn.client.hgetall(`${prefix}snapshot`);
    expect(Number(meta.chunks)).toBeGreaterThan(10);
    expect(Number(meta.parts)).toBe(1000);
    const c = newLog({ prefix, chunksPerRead: 3 });
    const opened = await c.open();
    expect(opened.snapshot).toEqual(parts);
    expect(opened.entries).toEqual([]);
  });

  it('a snapshot replaces only an older one; the replaced chunks expire after the grace period', async () => {
    const { a, b, prefix } = await twoReplicas({ oldSnapshotGraceMs: 30_000 });
    // A replica that stops reading: it will not know of the newer snapshot.
    const olderLogger = keepingLogger();
    const older = newLog({ prefix, logger: olderLogger });
    await older.open();
    for (let seq = 0; seq < 10; seq++) await a.append(seq, [{ n: seq + 1 }]);
    await a.writeSnapshot(5, ['at 5']);
    const conn = newConnection();
    await conn.ready();
    const firstGen = await conn.client.hget(`${prefix}snapshot`, 'gen');
    await b.writeSnapshot(8, ['at 8']);
    // An older snapshot (from a replica that saw less) is not used.
    // It says so in its result (the engine logs it); the log itself logs nothing.
    expect(await older.writeSnapshot(7, ['at 7'])).toEqual({
      written: false,
      failed: false,
      reason: expect.stringMatching(/already holds a snapshot at seq 8/),
    });
    expect(olderLogger.warnings).toEqual([]);
    expect(olderLogger.infos).toEqual([]);
    const opened = await newLog({ prefix }).open();
    expect(opened.snapshotSeq).toBe(8);
    expect(opened.snapshot).toEqual(['at 8']);
    expect(opened.entries.map((e) => e.seq)).toEqual([9, 10]);
    // The chunks of the snapshot at 5 are on their way out; those of the rejected one are gone.
    const ttl = await conn.client.pttl(`${prefix}snapshot:${firstGen}:0`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30_000);
    const keys = await conn.client.keys(`${prefix}snapshot:*`);
    expect(keys.filter((k) => k.startsWith(`${prefix}snapshot:7-`))).toEqual([]);
  });

  it('a replica behind a compaction gets SnapshotNeededError, and re-opening catches it up', async () => {
    const { a, b, prefix } = await twoReplicas();
    for (let seq = 0; seq < 10; seq++) await a.append(seq, [{ n: seq + 1 }]);
    // The stream keeps the entries after the previous snapshot: trimming happens at the second.
    await a.writeSnapshot(4, ['at 4']);
    expect((await b.readAfter(2)).map((e) => e.seq)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    await a.writeSnapshot(8, ['at 8']);
    await expect(b.readAfter(2)).rejects.toBeInstanceOf(SnapshotNeededError);
    await expect(b.readAfter(3)).rejects.toThrow(/compacted into a snapshot \(at seq 8/);
    expect((await b.readAfter(4)).map((e) => e.seq)).toEqual([5, 6, 7, 8, 9, 10]);
    // Even when nothing is left after the compacted entries.
    await a.writeSnapshot(10, ['at 10']);
    await expect(b.readAfter(6)).rejects.toBeInstanceOf(SnapshotNeededError);
    const opened = await newLog({ prefix }).open();
    expect(opened).toEqual({ snapshotSeq: 10, snapshot: ['at 10'], entries: [] });
    expect(await a.append(10, ['next'])).toBe(11);
  });

  it('wantsSnapshot: after snapshotEvery entries, for one replica only (the lease holder), until it wrote one', async () => {
    const { a, b, prefix } = await twoReplicas({ snapshotEvery: 5 });
    const lease = `${prefix}snapshot:lease`;
    /** Calls wantsSnapshot() and returns its answer with the lease attempts (their outcomes) it started. */
    const ask = async (log: typeof a): Promise<{ wants: boolean; attempts: unknown[] }> => {
      const script = vi.spyOn(log.connection, 'script');
      try {
        const wants = log.wantsSnapshot();
        const attempts = await Promise.all(script.mock.results.map((r) => r.value as Promise<unknown>));
        return { wants, attempts };
      } finally {
        script.mockRestore();
      }
    };
    for (let seq = 0; seq < 4; seq++) await a.append(seq, [seq]);
    await b.readAfter(0);
    // Below the threshold: no, and without even asking Redis for the lease.
    expect(await ask(a)).toEqual({ wants: false, attempts: [] });
    await a.append(4, [4]);
    await b.readAfter(4);
    // The first asks take the lease in the background; exactly one of the two replicas gets it.
    const first = [await ask(a), await ask(b)];
    expect(first.map((f) => f.wants)).toEqual([false, false]);
    expect(first.flatMap((f) => f.attempts).sort()).toEqual([0, 1]);
    const holder = first[0]!.attempts[0] === 1 ? a : b;
    const other = holder === a ? b : a;
    expect(await a.connection.client.get(lease)).toBe(holder.replicaId);
    expect(await ask(holder)).toEqual({ wants: true, attempts: [] });
    // The other asks again once its retry interval (1 s) has passed, and is refused while the holder keeps the lease.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 1_100 });
    try {
      expect(await ask(other)).toEqual({ wants: false, attempts: [0] });
      expect(await ask(other)).toEqual({ wants: false, attempts: [] }); // and waits its interval before the next try
      expect(await ask(holder)).toEqual({ wants: true, attempts: [] });
    } finally {
      vi.useRealTimers();
    }
    await holder.writeSnapshot(5, ['at 5']);
    // Written: the lease is released and neither wants another snapshot (nor asks for the lease) until 5 more entries.
    expect(await a.connection.client.get(lease)).toBeNull();
    expect(await ask(holder)).toEqual({ wants: false, attempts: [] });
    await other.readAfter(5); // sees the new snapshot seq with its catch-up
    expect(await ask(other)).toEqual({ wants: false, attempts: [] });
  });

  it('key prefixes keep two fakes on one Redis apart', async () => {
    const one = newLog({ prefix: freshPrefix() });
    const two = newLog({ prefix: freshPrefix() });
    await one.open();
    await two.open();
    await one.append(0, ['one']);
    await one.writeSnapshot(1, ['one snap']);
    expect(await two.readAfter(0)).toEqual([]);
    expect(await two.append(0, ['two'])).toBe(1);
    expect(await one.readAfter(0)).toEqual([{ seq: 1, commands: ['one'] }]);
    expect((await two.health()).lastSeq).toBe(1);
    const reopened = await newLog({ prefix: two.prefix }).open();
    expect(reopened).toEqual({ snapshotSeq: 0, snapshot: undefined, entries: [{ seq: 1, commands: ['two'] }] });
  });

  it('a Redis that lost entries this replica applied: readAfter asks for a re-open, append is refused', async () => {
    const { a, b, prefix } = await twoReplicas();
    for (let seq = 0; seq < 3; seq++) await a.append(seq, [seq]);
    await b.readAfter(0);
    const conn = newConnection();
    await conn.ready();
    await conn.client.del(`${prefix}log`, `${prefix}log:head`);
    await expect(b.readAfter(3)).rejects.toThrow(SnapshotNeededError);
    await expect(b.readAfter(3)).rejects.toThrow(/ends at seq 0, behind seq 3/);
    await expect(b.append(3, ['lost'])).rejects.toBeInstanceOf(LogConflictError);
    expect(await b.open()).toEqual({ snapshotSeq: 0, snapshot: undefined, entries: [] });
  });

  it('unreadable keys stop open() with LogCorruptError naming the key', async () => {
    const conn = newConnection();
    await conn.ready();
    const p1 = freshPrefix();
    const log1 = newLog({ prefix: p1 });
    await log1.open();
    await log1.append(0, ['ok']);
    await conn.client.xadd(`${p1}log`, '0-2', 'c', '{not json');
    await conn.client.set(`${p1}log:head`, '2');
    await expect(newLog({ prefix: p1 }).open()).rejects.toThrow(LogCorruptError);
    await expect(newLog({ prefix: p1 }).open()).rejects.toThrow(`entry 0-2 of ${p1}log is not JSON`);

    const p2 = freshPrefix();
    const log2 = newLog({ prefix: p2 });
    await log2.open();
    await log2.append(0, ['ok']);
    await log2.writeSnapshot(1, ['snap']);
    const gen = await conn.client.hget(`${p2}snapshot`, 'gen');
    await conn.client.set(`${p2}snapshot:${gen}:0`, '[{"torn":');
    await expect(newLog({ prefix: p2 }).open()).rejects.toThrow(`snapshot chunk ${p2}snapshot:${gen}:0 is not JSON`);
    await conn.client.del(`${p2}snapshot:${gen}:0`);
    await expect(newLog({ prefix: p2 }).open()).rejects.toThrow(/misses some of its 1 chunks/);
  });

  it('health() says connected, the log end and the persistence settings; weaker settings get a detailed warning', async () => {
    const { a, prefix } = await twoReplicas();
    await a.append(0, ['x']);
    const h = await a.health();
    expect(h).toMatchObject({ backend: 'redis', connected: true, lastSeq: 1 });
    expect(h.detail).toMatchObject({ prefix, appendonly: 'yes', appendfsync: 'always', durable: true });
    expect(h.detail?.warning).toBeUndefined();

    const conn = newConnection();
    await conn.ready();
    await conn.client.config('SET', 'appendfsync', 'everysec');
    try {
      const logger = keepingLogger();
      const weak = newLog({ prefix, logger });
      await weak.open();
      expect(logger.warnings.join('\n')).toMatch(
        /appendfsync everysec: .*lose about the last second.*--appendonly yes --appendfsync always/,
      );
      const health = await weak.health();
      expect(health.detail).toMatchObject({ appendfsync: 'everysec', durable: false });
      expect(String(health.detail?.warning)).toMatch(/everysec/);
    } finally {
      await conn.client.config('SET', 'appendfsync', 'always');
    }
  });
});

// No Redis needed: what the settings mean for "nothing answered 200 is lost".
describe('assessPersistence', () => {
  const where = 'redis://127.0.0.1:6379';
  it('only appendonly yes with appendfsync always is durable; anything else says what can be lost', () => {
    expect(assessPersistence(where, 'yes', 'always')).toEqual({
      appendonly: 'yes',
      appendfsync: 'always',
      durable: true,
    });
    expect(assessPersistence(where, 'no', 'always').warning).toMatch(
      /appendonly no: changes since its last RDB save .* lost when it restarts; run it with --appendonly yes --appendfsync always/,
    );
    expect(assessPersistence(where, 'yes', 'no').warning).toMatch(/appendfsync no: the operating system decides/);
    const refused = assessPersistence(where, 'yes', undefined, "ERR unknown command 'CONFIG'");
    expect(refused.durable).toBe('unknown');
    expect(refused.warning).toMatch(/CONFIG GET was refused: ERR unknown command 'CONFIG'\); its AOF is on: make sure/);
  });
});
