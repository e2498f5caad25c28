// Shared set-up of the Redis store tests: one real redis-server per test
// file, logs that close after the file, a logger that keeps what it was told
// (so a test can assert on a warning), and a fresh key prefix per test so the
// tests of a file never see each other's keys.

import { afterAll, beforeAll } from 'vitest';
import { RedisLog, type RedisLogOptions } from '../../src/store/backends/redis/log.js';
import { RedisConnection } from '../../src/store/backends/redis/connection.js';
import type { StoreLogger } from '../../src/store/logger.js';
import { redisAvailable, TestRedis } from '../helpers/redis.js';

export interface Kept extends StoreLogger {
  warnings: string[];
  infos: string[];
  errors: string[];
}

export function keepingLogger(): Kept {
  const warnings: string[] = [];
  const infos: string[] = [];
  const errors: string[] = [];
  return {
    warnings,
    infos,
    errors,
    warn: (m) => void warnings.push(m),
    info: (m) => void infos.push(m),
    error: (m) => void errors.push(m),
  };
}

let prefixes = 0;
export const freshPrefix = (): string => `t${process.pid}-${++prefixes}:`;

/** Starts a Redis for this file (when redis-server exists) and closes what the tests opened. */
export function useRedis(): {
  redis: () => TestRedis;
  newLog: (options?: Partial<RedisLogOptions>) => RedisLog;
  newConnection: () => RedisConnection;
} {
  let redis: TestRedis | undefined;
  const closers: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    if (redisAvailable) redis = await TestRedis.start();
  });
  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await redis?.dispose();
  });
  return {
    redis: () => redis!,
    newLog: (options = {}) => {
      const log = new RedisLog({ url: redis!.url, logger: keepingLogger(), ...options });
      closers.push(() => log.close());
      return log;
    },
    newConnection: () => {
      const connection = new RedisConnection({ url: redis!.url, logger: keepingLogger() });
      closers.push(() => connection.close());
      return connection;
    },
  };
}
