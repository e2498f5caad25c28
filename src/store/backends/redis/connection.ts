// One connection to Redis, shared by the command log (store/backends/redis/log.ts),
// the rate counters and the journal storage of a replica.
//
// Client: ioredis rather than node-redis. Both are kept by Redis Ltd. and
// both pipeline and reconnect; ioredis was chosen because the two behaviours
// the mock's promises rest on are plain options there: `enableOfflineQueue:
// false` + `maxRetriesPerRequest: 0` make every command fail at once while
// Redis is unreachable (a 503 now, never a request hanging on a queue), and
// `autoResendUnfulfilledCommands: false` guarantees that an append whose
// answer was lost is never sent a second time behind our back. Its retry
// strategy keeps reconnecting forever in the background meanwhile.
//
// Every failure that is about reaching Redis becomes a LogUnavailableError
// whose message names the server (never its password) and what was being done.

import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';

// ioredis is loaded when a connection is first made (it is CommonJS, so it can
// be required there synchronously): a mock without Redis never pays the
// ~100 ms of loading it at start-up.
const require = createRequire(import.meta.url);
let ioredis: typeof import('ioredis') | undefined;
const loadIoredis = (): typeof import('ioredis') => (ioredis ??= require('ioredis') as typeof import('ioredis'));
import { LogConflictError, LogCorruptError, LogUnavailableError, SnapshotNeededError } from '../types.js';
import { consoleLogger, type StoreLogger } from '../../logger.js';

/** The prefix of every key the mock keeps in Redis, unless told otherwise. */
export const DEFAULT_REDIS_PREFIX = 'togai-mock:';


export interface RedisConnectionOptions {
  /** `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS. */
  url: string;
  /** A command with no answer after this long fails with LogUnavailableError (a hung Redis). Default 5000. */
  commandTimeoutMs?: number | undefined;
  /** How long ready() (the log's open()) waits for the first connection. Default 5000. */
  connectTimeoutMs?: number | undefined;
  /** The longest pause between two reconnection attempts. Default 1000. */
  maxReconnectDelayMs?: number | undefined;
  /** The connection's name in Redis' CLIENT LIST. Default "togai-mock". */
  name?: string | undefined;
  logger?: StoreLogger | undefined;
}

/** The URL with its password (if any) replaced by `***`, for messages and health. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '(unparseable Redis URL)';
  }
}

/** A Lua script run by its SHA1 (EVALSHA), sent whole only when Redis does not know it yet. */
export class LuaScript {
  readonly sha: string;
  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }
}

export type RedisArg = string | number | Buffer;

export class RedisConnection {
  readonly client: Redis;
  /** The server, without its password. */
  readonly where: string;
  private readonly connectTimeoutMs: number;
  private readonly logger: StoreLogger;
  /** The last connection error seen, for messages while Redis is down. */
  private lastError: string | undefined;
  private downSince: number | undefined;
  private closing = false;

  constructor(options: RedisConnectionOptions) {
    if (!/^rediss?:\/\//i.test(options.url)) {
      throw new Error(`The Redis URL must look like redis://host:port[/db] (or rediss:// for TLS), not ${JSON.stringify(redactRedisUrl(options.url))}`);
    }
    this.where = redactRedisUrl(options.url);
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    this.logger = options.logger ?? consoleLogger;
    const maxDelay = options.maxReconnectDelayMs ?? 1000;
    // ioredis parses the URL itself: host, port, /db, user:password, rediss:// (TLS).
    this.client = new (loadIoredis().Redis)(options.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: options.commandTimeoutMs ?? 5000,
      connectTimeout: this.connectTimeoutMs,
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times - 1, 10), maxDelay),
      connectionName: options.name ?? 'togai-mock',
      // Replies are the same in RESP2 and RESP3 here; RESP2 needs no HELLO
      // negotiation and is spoken by every Redis-compatible server.
      protocol: 2,
    });
    this.client.on('error', (error: Error) => {
      this.lastError = error.message;
    });
    this.client.on('close', () => {
      if (this.closing || this.downSince !== undefined) return;
      this.downSince = Date.now();
      this.logger.warn(`lost the connection to Redis at ${this.where}${this.lastError ? ` (${this.lastError})` : ''}; reconnecting in the background, requests answer 503 meanwhile`);
    });
    this.client.on('ready', () => {
      if (this.downSince !== undefined) {
        this.logger.info(`reconnected to Redis at ${this.where} after ${Date.now() - this.downSince} ms`);
      }
      this.downSince = undefined;
      this.lastError = undefined;
    });
  }

  get connected(): boolean {
    return this.client.status === 'ready';
  }

  /** ioredis' connection status (wait, connecting, connect, ready, reconnecting, close, end). */
  get status(): string {
    return this.client.status;
  }

  get lastConnectionError(): string | undefined {
    return this.lastError;
  }

  /** Connects if needed and waits (at most connectTimeoutMs) until Redis answers; else LogUnavailableError. */
  async ready(what = 'connect'): Promise<void> {
    if (this.client.status === 'ready') return;
    if (this.closing || this.client.status === 'end') throw new LogUnavailableError(`the connection to Redis at ${this.where} was closed; could not ${what}`);
    if (this.client.status === 'wait') this.client.connect().catch(() => undefined);
    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.client.off('ready', onReady);
        this.client.off('end', onEnd);
      };
      const onReady = (): void => {
        done();
        resolve();
      };
      const onEnd = (): void => {
        done();
        reject(new LogUnavailableError(`the connection to Redis at ${this.where} was closed; could not ${what}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(this.unavailable(`could not ${what} within ${this.connectTimeoutMs} ms`));
      }, this.connectTimeoutMs);
      this.client.on('ready', onReady);
      this.client.on('end', onEnd);
    });
  }

  private unavailable(what: string, cause?: string): LogUnavailableError {
    const reason = cause ?? this.lastError ?? `connection ${this.client.status}`;
    return new LogUnavailableError(`Redis at ${this.where} is unreachable (${reason}): ${what}; retrying the connection in the background`);
  }

  /**
   * The error to throw for a failed command: an error Redis answered
   * (LOADING, MISCONF when it cannot write its AOF, OOM, NOAUTH...) or a
   * connection failure, both as LogUnavailableError; typed log errors pass through.
   */
  failure(error: unknown, what: string): Error {
    if (error instanceof LogUnavailableError || error instanceof LogConflictError || error instanceof LogCorruptError || error instanceof SnapshotNeededError) {
      return error;
    }
    if (error instanceof loadIoredis().ReplyError) {
      return new LogUnavailableError(`Redis at ${this.where} refused to ${what}: ${(error as Error).message}`);
    }
    const message = error instanceof Error ? error.message : String(error);
    if (/timed out/i.test(message)) return this.unavailable(`could not ${what}`, `no answer: ${message}`);
    if (!this.connected) return this.unavailable(`could not ${what}`);
    return this.unavailable(`could not ${what}`, message);
  }

  /** Runs `fn`, turning any failure into the error failure() makes. */
  async run<T>(what: string, fn: (client: Redis) => Promise<T>): Promise<T> {
    if (!this.connected) throw this.unavailable(`could not ${what}`);
    try {
      return await fn(this.client);
    } catch (error) {
      throw this.failure(error, what);
    }
  }

  /** EVALSHA, falling back to EVAL once when Redis does not know the script (e.g. after a restart). */
  async script(script: LuaScript, keys: string[], args: RedisArg[]): Promise<unknown> {
    try {
      return await this.client.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (error instanceof loadIoredis().ReplyError && /^NOSCRIPT/.test((error as Error).message)) {
        return this.client.eval(script.source, keys.length, ...keys, ...args);
      }
      throw error;
    }
  }

  /** Redis' AOF settings and whether they keep every acknowledged write. */
  async persistence(): Promise<RedisPersistence> {
    let appendonly: string | undefined;
    let appendfsync: string | undefined;
    let refused: string | undefined;
    try {
      const pairs = (await this.client.call('CONFIG', 'GET', 'append*')) as string[];
      for (let i = 0; i + 1 < pairs.length; i += 2) {
        if (pairs[i] === 'appendonly') appendonly = pairs[i + 1];
        if (pairs[i] === 'appendfsync') appendfsync = pairs[i + 1];
      }
    } catch (error) {
      // Managed Redis often disables CONFIG; INFO still says whether the AOF is on.
      refused = (error as Error).message;
      try {
        const info = await this.client.info('persistence');
        const m = /^aof_enabled:(\d)/m.exec(info);
        if (m) appendonly = m[1] === '1' ? 'yes' : 'no';
      } catch {
        // Neither is allowed: say so below.
      }
    }
    return assessPersistence(this.where, appendonly, appendfsync, refused);
  }

  /** Lets go of the connection (pending replies are awaited by QUIT when connected). */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.client.status === 'ready') {
      try {
        await this.client.quit();
        return;
      } catch {
        // Fall through to a hard disconnect.
      }
    }
    this.client.disconnect();
  }
}

export interface RedisPersistence {
  appendonly: string | undefined;
  appendfsync: string | undefined;
  /** True when every acknowledged write is on disk before Redis answers (appendonly yes + appendfsync always). */
  durable: boolean | 'unknown';
  /** Why acknowledged changes could be lost, when they could. */
  warning?: string | undefined;
}

/** Whether appendonly/appendfsync keep every write Redis acknowledged, and if not, what can be lost. */
export function assessPersistence(where: string, appendonly: string | undefined, appendfsync: string | undefined, refused?: string): RedisPersistence {
  const advice = 'run it with --appendonly yes --appendfsync always so that nothing answered 200 is lost';
  const base = { appendonly, appendfsync };
  if (appendonly === 'no') {
    return { ...base, durable: false, warning: `Redis at ${where} runs with appendonly no: changes since its last RDB save (if any) are lost when it restarts; ${advice}` };
  }
  if (appendonly === undefined || appendfsync === undefined) {
    const why = refused === undefined ? 'it did not say' : `CONFIG GET was refused: ${refused}`;
    return {
      ...base,
      durable: 'unknown',
      warning: `could not read the persistence settings of Redis at ${where} (${why})${appendonly === 'yes' ? '; its AOF is on' : ''}: make sure it runs with appendonly yes and appendfsync always, or acknowledged changes can be lost when it restarts`,
    };
  }
  if (appendfsync === 'always') return { ...base, durable: true };
  const loss =
    appendfsync === 'everysec'
      ? 'a crash of Redis or of its machine can lose about the last second of acknowledged changes'
      : 'the operating system decides when the AOF reaches the disk, so a crash of the machine can lose the last seconds of acknowledged changes';
  return { ...base, durable: false, warning: `Redis at ${where} runs with appendfsync ${appendfsync}: ${loss}; ${advice}` };
}
