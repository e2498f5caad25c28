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
// At start-up, what retrying cannot fix (credentials or permissions refused, a
// database index the server does not have, a TLS certificate that is not
// trusted, a TLS handshake with a server that does not speak TLS) fails the
// start at once, saying what to change; anything else is retried until the
// connect timeout.

import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { TLSSocket } from 'node:tls';
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

// Node's codes for a server certificate it cannot verify (OpenSSL's verify
// results, plus a name the certificate does not hold).
const UNTRUSTED_CERTIFICATE =
  /^(?:SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_\w+|CERT_\w+|ERR_TLS_CERT_ALTNAME_INVALID)$/;

const PRIVATE_CA_ADVICE =
  "when it is signed by a private CA, point NODE_EXTRA_CA_CERTS at that CA's certificate (a PEM file) " +
  'before starting togai-mock';
const ACL_ADVICE =
  'the user in the Redis URL needs the commands and key pattern listed in docs/replicas.md ("An ACL user")';
const NOT_TLS_ADVICE = 'if the server does not speak TLS on that port, use redis:// instead of rediss://';
const ONLY_TLS_ADVICE = 'if it accepts only TLS on that port, use rediss:// instead of redis://';

/**
 * Why a connection attempt failed for a reason retrying will not fix, as a
 * message for the person starting the mock; undefined when it may be
 * transient (refused, reset, timed out: Redis may still be starting).
 * `where` is the redacted URL; the command Redis refused comes from the
 * error (ioredis names it), its arguments (a password) never appear.
 */
export function startupRefusal(error: Error, where: string): string | undefined {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const refused = (error as { command?: { name?: unknown } }).command?.name;
  const reply = error.message;
  const url = safeUrl(where);
  const user = url === undefined || url.username === '' ? 'default' : safeDecode(url.username);
  if (UNTRUSTED_CERTIFICATE.test(code)) {
    const wrongName = code === 'ERR_TLS_CERT_ALTNAME_INVALID';
    const fix = wrongName ? 'connect with a host name or address the certificate names' : PRIVATE_CA_ADVICE;
    return `the TLS certificate of Redis at ${where} is not trusted (${reply}): ${fix}`;
  }
  if (code.startsWith('ERR_SSL_')) {
    return `the TLS handshake with Redis at ${where} failed (${reply}): ${NOT_TLS_ADVICE}`;
  }
  if (/^WRONGPASS\b|^ERR invalid password/.test(reply)) {
    return (
      `Redis at ${where} refused the user name or password (${reply}): ` +
      `check the credentials in the Redis URL, redis://user:password@host:port (user "${user}")`
    );
  }
  if (/^NOAUTH\b/.test(reply)) {
    return (
      `Redis at ${where} requires a password (${reply}): put it in the Redis URL, redis://:password@host:port, ` +
      'or redis://user:password@host:port for an ACL user'
    );
  }
  if (refused === 'select') {
    const db = url?.pathname.replace(/^\//, '') || '(as given)';
    return (
      `Redis at ${where} has no database ${db} (${reply}): use a database index below its "databases" setting ` +
      '(16 unless configured otherwise), or leave /db out for database 0'
    );
  }
  if (/^NOPERM\b/.test(reply)) return `Redis at ${where} refused a command to user "${user}" (${reply}): ${ACL_ADVICE}`;
  return undefined;
}

function safeUrl(where: string): URL | undefined {
  try {
    return new URL(where);
  } catch {
    return undefined;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** What to check when the connection did not come up in time, from what was seen of it. */
function timeoutHint(tls: boolean, lastError: string | undefined, stream: TLSSocket | undefined): string {
  const tcpUp = stream !== undefined && !stream.connecting && !stream.destroyed;
  if (tls && lastError === undefined && tcpUp) {
    return `; the TCP connection was made but no TLS handshake completed: ${NOT_TLS_ADVICE}`;
  }
  if (tls && (lastError === undefined || /ETIMEDOUT/.test(lastError))) {
    return `; check the host and port, and that the server speaks TLS there: ${NOT_TLS_ADVICE}`;
  }
  if (!tls && lastError !== undefined && /ECONNRESET|EPIPE|Protocol error|Connection is closed/i.test(lastError)) {
    return `; the server closed the connection without answering: ${ONLY_TLS_ADVICE}`;
  }
  return '';
}

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
  /** Until a first connection was ready, a lost one is a failed start (ready() says why), not news to log. */
  private everReady = false;
  private readonly tls: boolean;

  constructor(options: RedisConnectionOptions) {
    if (!/^rediss?:\/\//i.test(options.url)) {
      throw new Error(
        `The Redis URL must look like redis://host:port[/db] (or rediss:// for TLS), not ${JSON.stringify(redactRedisUrl(options.url))}`,
      );
    }
    this.where = redactRedisUrl(options.url);
    this.tls = /^rediss:/i.test(options.url);
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
      if (this.closing || this.downSince !== undefined || !this.everReady) return;
      this.downSince = Date.now();
      this.logger.warn(
        `lost the connection to Redis at ${this.where}${this.lastError ? ` (${this.lastError})` : ''}; reconnecting in the background, requests answer 503 meanwhile`,
      );
    });
    this.client.on('ready', () => {
      if (this.downSince !== undefined) {
        this.logger.info(`reconnected to Redis at ${this.where} after ${Date.now() - this.downSince} ms`);
      }
      this.downSince = undefined;
      this.lastError = undefined;
      this.everReady = true;
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

  /**
   * Connects if needed and waits (at most connectTimeoutMs) until Redis answers; else LogUnavailableError.
   * What retrying cannot fix (see startupRefusal) rejects at once.
   */
  async ready(what = 'connect'): Promise<void> {
    if (this.client.status === 'ready') return;
    if (this.closing || this.client.status === 'end')
      throw new LogUnavailableError(`the connection to Redis at ${this.where} was closed; could not ${what}`);
    if (this.client.status === 'wait') this.client.connect().catch(() => undefined);
    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.client.off('ready', onReady);
        this.client.off('end', onEnd);
        this.client.off('error', onError);
      };
      const onReady = (): void => {
        done();
        resolve();
      };
      const onEnd = (): void => {
        done();
        reject(new LogUnavailableError(`the connection to Redis at ${this.where} was closed; could not ${what}`));
      };
      // Registered before 'ready' fires: ioredis reports a refused SELECT as an
      // error and then goes on to 'ready' on database 0, which must not count.
      const onError = (error: Error): void => {
        const refusal = startupRefusal(error, this.where);
        if (refusal === undefined) return;
        done();
        reject(new LogUnavailableError(`could not ${what}: ${refusal}`));
      };
      const timer = setTimeout(() => {
        done();
        const reason = this.lastError ?? `connection ${this.client.status}`;
        const hint = timeoutHint(this.tls, this.lastError, this.client.stream as TLSSocket | undefined);
        const within = `could not ${what} within ${this.connectTimeoutMs} ms`;
        reject(new LogUnavailableError(`Redis at ${this.where} is unreachable (${reason}): ${within}${hint}`));
      }, this.connectTimeoutMs);
      this.client.on('ready', onReady);
      this.client.on('end', onEnd);
      this.client.on('error', onError);
    });
  }

  private unavailable(what: string, cause?: string): LogUnavailableError {
    const reason = cause ?? this.lastError ?? `connection ${this.client.status}`;
    return new LogUnavailableError(
      `Redis at ${this.where} is unreachable (${reason}): ${what}; retrying the connection in the background`,
    );
  }

  /**
   * The error to throw for a failed command: an error Redis answered
   * (LOADING, MISCONF when it cannot write its AOF, OOM, NOAUTH...) or a
   * connection failure, both as LogUnavailableError; typed log errors pass through.
   */
  failure(error: unknown, what: string): Error {
    if (
      error instanceof LogUnavailableError ||
      error instanceof LogConflictError ||
      error instanceof LogCorruptError ||
      error instanceof SnapshotNeededError
    ) {
      return error;
    }
    if (error instanceof loadIoredis().ReplyError) {
      const reply = (error as Error).message;
      const advice = /^NOPERM\b/.test(reply) ? `; ${ACL_ADVICE}` : '';
      return new LogUnavailableError(`Redis at ${this.where} refused to ${what}: ${reply}${advice}`);
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
export function assessPersistence(
  where: string,
  appendonly: string | undefined,
  appendfsync: string | undefined,
  refused?: string,
): RedisPersistence {
  const advice = 'run it with --appendonly yes --appendfsync always so that nothing answered 200 is lost';
  const base = { appendonly, appendfsync };
  if (appendonly === 'no') {
    return {
      ...base,
      durable: false,
      warning: `Redis at ${where} runs with appendonly no: changes since its last RDB save (if any) are lost when it restarts; ${advice}`,
    };
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
  return {
    ...base,
    durable: false,
    warning: `Redis at ${where} runs with appendfsync ${appendfsync}: ${loss}; ${advice}`,
  };
}
