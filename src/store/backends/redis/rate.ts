// The per-credential rate limit counted in Redis, so that N replicas behind
// one load balancer allow `limit` requests per second per credential in
// total, not N times that. Same semantics as the in-memory counter: a
// sliding window of windowMs, a refused request is not counted, and the wait
// is the whole seconds until the oldest counted request leaves the window.
//
// One sorted set per credential (score = arrival in ms), trimmed, counted and
// added to atomically in one Lua script. Time is Redis' own clock (TIME), so
// replicas whose clocks differ still share one window. Keys hold a hash of
// the credential, never the credential itself, and expire with the window.

import { createHash } from 'node:crypto';
import { DEFAULT_REDIS_PREFIX, LuaScript, type RedisConnection } from './connection.js';
import type { RateCounter } from '../../services/types.js';

export interface RedisRateCounterOptions {
  connection: RedisConnection;
  /** Key prefix, the log's; default "togai-mock:". Counters live under `{prefix}rate:`. */
  prefix?: string | undefined;
  /** The window; default 1000 ms (requests per second). */
  windowMs?: number | undefined;
}

// KEYS: the credential's set. ARGV: limit, window ms, a unique member.
// Answers 0 when counted, else the seconds to wait.
const HIT = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, math.ceil((tonumber(oldest[2]) + window - now) / 1000))
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return 0
`);

/** A glob pattern matching `text` literally (for SCAN MATCH). */
const globEscape = (text: string): string => text.replace(/[*?[\]\\]/g, '\\$&');

export class RedisRateCounter implements RateCounter {
  private readonly connection: RedisConnection;
  private readonly keyPrefix: string;
  private readonly windowMs: number;
  private readonly member: string;
  private hits = 0;

  constructor(options: RedisRateCounterOptions) {
    this.connection = options.connection;
    this.keyPrefix = `${options.prefix ?? DEFAULT_REDIS_PREFIX}rate:`;
    this.windowMs = options.windowMs ?? 1000;
    this.member = createHash('sha256').update(`${process.pid}:${Math.random()}`).digest('hex').slice(0, 12);
  }

  private keyOf(key: string): string {
    return this.keyPrefix + createHash('sha256').update(key).digest('base64url').slice(0, 22);
  }

  async hit(key: string, limit: number): Promise<number | undefined> {
    if (limit <= 0) return undefined;
    const wait = await this.connection.run('count the request for the rate limit', () =>
      this.connection.script(HIT, [this.keyOf(key)], [limit, this.windowMs, `${this.member}:${++this.hits}`]),
    );
    return wait === 0 ? undefined : Number(wait);
  }

  /** Deletes every counter under the prefix (they would expire within a window anyway). */
  async clear(): Promise<void> {
    await this.connection.run('clear the rate-limit counters', async (client) => {
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${globEscape(this.keyPrefix)}*`, 'COUNT', 1000);
        if (keys.length > 0) await client.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    });
  }
}
