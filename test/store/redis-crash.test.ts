// Crashes around the Redis log, with real processes:
// - replicas (child processes appending in a loop) killed with SIGKILL: a new
//   replica finds every append that was acknowledged, exactly as sent;
// - Redis itself killed with SIGKILL (appendonly yes, appendfsync always) and
//   restarted: every acknowledged append is still there, and the clients
//   reconnect by themselves and append again;
// - while Redis is down or hung, appends and reads fail at once (or after the
//   command timeout) with LogUnavailableError and a message naming the server
//   without its password: never a hang, never a stale answer.

import { describe, expect, it, vi } from 'vitest';
import { RedisLog } from '../../src/store/backends/redis/log.js';
import { LogUnavailableError } from '../../src/store/backends/types.js';
import { redactRedisUrl } from '../../src/store/backends/redis/connection.js';
import { redisAvailable, warnIfRedisMissing } from '../helpers/redis.js';
import { start } from '../ship/process.js';
import { freshPrefix, keepingLogger, useRedis } from './redis-support.js';

warnIfRedisMissing('Redis crash tests (test/store/redis-crash.test.ts)');

/** The seq -> commands of every "acked" line a child printed. */
function ackedBy(lines: string[]): Map<number, unknown[]> {
  const acked = new Map<number, unknown[]>();
  for (const line of lines) {
    const m = /^acked (\d+) (\S+) (\d+)$/.exec(line);
    if (m) acked.set(Number(m[1]), [{ by: m[2], i: Number(m[3]) }]);
  }
  return acked;
}

describe.skipIf(!redisAvailable)('the Redis log across crashes', () => {
  const { redis, newLog } = useRedis();

  it('replicas killed with SIGKILL while appending: a new replica sees every acknowledged append', async () => {
    const prefix = freshPrefix();
    const acked = new Map<number, unknown[]>();
    for (let round = 0; round < 2; round++) {
      const children = ['a', 'b'].map((name) =>
        start(process.execPath, [
          '--import',
          'tsx',
          'test/store/redis-appender.ts',
          redis().url,
          prefix,
          `${name}${round}`,
        ]),
      );
      await Promise.all(children.map((c) => c.line(/^ready$/)));
      // Kill each once it has had some appends acknowledged (a different count each).
      await Promise.all(
        children.map(async (c, k) => {
          await vi.waitFor(() => expect(ackedBy(c.stdout).size).toBeGreaterThanOrEqual(30 + 25 * k), {
            timeout: 30_000,
            interval: 5,
          });
          c.proc.kill('SIGKILL');
        }),
      );
      await Promise.all(children.map((c) => c.exited));
      const before = acked.size;
      for (const c of children) for (const [seq, commands] of ackedBy(c.stdout)) acked.set(seq, commands);
      expect(acked.size - before).toBeGreaterThanOrEqual(55);

      const opened = await newLog({ prefix }).open();
      const stored = new Map(opened.entries.map((e) => [e.seq, e.commands]));
      // Contiguous from 1, and everything acknowledged is there as sent.
      expect(opened.entries.map((e) => e.seq)).toEqual(Array.from({ length: opened.entries.length }, (_, i) => i + 1));
      for (const [seq, commands] of acked) expect(stored.get(seq), `acknowledged seq ${seq}`).toEqual(commands);
      // At most one unacknowledged append per child (the one in flight when it died).
      expect(opened.entries.length - acked.size).toBeLessThanOrEqual(2 * (round + 1));
    }
  });

  it('Redis killed with SIGKILL and restarted: nothing acknowledged is lost, clients reconnect by themselves', async () => {
    const prefix = freshPrefix();
    const a = newLog({ prefix });
    const b = newLog({ prefix });
    await a.open();
    await b.open();
    const acked = new Map<number, unknown[]>();
    let stop = false;
    // Two replicas append concurrently (each catching up on conflicts) until Redis goes away.
    const writer = async (log: RedisLog, name: string): Promise<void> => {
      let seq = 0;
      for (let i = 0; !stop; i++) {
        try {
          seq = await log.append(seq, [{ by: name, i }]);
          acked.set(seq, [{ by: name, i }]);
        } catch (error) {
          if (error instanceof LogUnavailableError) return;
          seq = (await log.readAfter(seq).catch(() => [])).at(-1)?.seq ?? seq;
        }
      }
    };
    const writers = [writer(a, 'a'), writer(b, 'b')];
    await vi.waitFor(() => expect(acked.size).toBeGreaterThanOrEqual(150), { timeout: 20_000, interval: 10 });
    await redis().kill();
    await Promise.all(writers);
    stop = true;
    const before = acked.size;

    // Down: fail at once with a clear message, never hang. (About not hanging, not speed:
    // the command timeout is 5 s, and a queued command would wait for the reconnection.)
    for (const call of [() => a.append(10_000, ['x']), () => b.readAfter(0)]) {
      const began = Date.now();
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(LogUnavailableError);
      expect((error as Error).message).toContain(`Redis at ${redis().url} is unreachable`);
      expect(Date.now() - began).toBeLessThan(3000);
    }
    expect((await a.health()).connected).toBe(false);

    await redis().restart();
    await vi.waitFor(() => expect(a.connection.connected && b.connection.connected).toBe(true), {
      timeout: 15_000,
      interval: 50,
    });
    const opened = await newLog({ prefix }).open();
    const stored = new Map(opened.entries.map((e) => [e.seq, e.commands]));
    for (const [seq, commands] of acked) expect(stored.get(seq), `acknowledged seq ${seq}`).toEqual(commands);
    expect(opened.entries.length).toBeGreaterThanOrEqual(before);
    // The old clients work again without being told anything.
    const end = opened.entries.at(-1)!.seq;
    expect(await a.append(end, ['after the restart'])).toBe(end + 1);
    expect((await b.readAfter(end)).map((e) => e.commands)).toEqual([['after the restart']]);
  });

  it('a Redis that does not answer (SIGSTOP): calls fail after the command timeout, then work again', async () => {
    const prefix = freshPrefix();
    const log = newLog({ prefix, commandTimeoutMs: 500 });
    await log.open();
    await log.append(0, ['before']);
    redis().pause();
    try {
      const error = await log.readAfter(1).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(LogUnavailableError);
      expect((error as Error).message).toMatch(/no answer/);
    } finally {
      redis().resume();
    }
    await vi.waitFor(async () => expect(await log.readAfter(1)).toEqual([]), { timeout: 10_000, interval: 100 });
    expect(await log.append(1, ['after'])).toBe(2);
  });

  it('opening while Redis is down fails within the connect timeout; the message hides the password', async () => {
    const port = redis().port;
    await redis().stop();
    try {
      const url = `redis://someone:s3cret-pass@127.0.0.1:${port}/2`;
      expect(redactRedisUrl(url)).toBe(`redis://someone:***@127.0.0.1:${port}/2`);
      const logger = keepingLogger();
      const log = newLog({ url, connectTimeoutMs: 800, logger });
      const began = Date.now();
      const error = await log.open().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(LogUnavailableError);
      const message = (error as Error).message;
      expect(message).toContain(`Redis at redis://someone:***@127.0.0.1:${port}/2 is unreachable`);
      expect(message).toMatch(/ECONNREFUSED|could not open the log within 800 ms/);
      expect(message).not.toContain('s3cret');
      expect(Date.now() - began).toBeLessThan(5000);
      const health = await log.health();
      expect(health.connected).toBe(false);
      expect(JSON.stringify(health)).not.toContain('s3cret');
    } finally {
      await redis().restart();
    }
  });
});
