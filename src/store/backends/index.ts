// Where changes are kept, chosen in one place: each backend (memory, the
// state file, Redis) is built by its own module and hands back everything
// that depends on it: the command log, the request journal's storage and the
// rate limit's counts (shared by every replica on Redis, this process's own
// otherwise). Nothing outside backends/ names a concrete backend: the engine
// asks the log for a capability (`shared`), the runtime asks for a Backend
// and, for GET /_mock/health, for the fields healthFields() makes.

import type { components } from '../../spec/control-types.gen.js';
import type { StoreLogger } from '../logger.js';
import { fileBackend } from './file/index.js';
import { localBackend } from './local.js';
import { memoryBackend } from './memory.js';
import { redisBackend } from './redis/index.js';
import type { Backend, CommandLog, LogHealth } from './types.js';

export type { Backend } from './types.js';

/** What choosing and building a backend needs (a subset of the mock's options). */
export interface BackendOptions {
  /** Redis: the log, journal and counts shared by every replica on this URL and prefix. */
  redisUrl?: string | undefined;
  redisPrefix?: string | undefined;
  /** The state file: the log on local disk (not together with Redis; options.ts refuses both). */
  stateFile?: string | undefined;
  /** Entries between two snapshots, for the logs that keep them. */
  stateSnapshotEvery?: number | undefined;
  /** How many requests the journal keeps. */
  journalLimit: number;
}

/**
 * The backend the options ask for: Redis, else the state file, else memory.
 * `log`, when given (tests), replaces the log; the journal and counts are
 * then this process's own.
 */
export function openBackend(options: BackendOptions, logger: StoreLogger, log?: CommandLog): Backend {
  if (log !== undefined) return localBackend(log, options.journalLimit);
  if (options.redisUrl !== undefined) {
    return redisBackend(
      {
        url: options.redisUrl,
        prefix: options.redisPrefix,
        snapshotEvery: options.stateSnapshotEvery,
        journalLimit: options.journalLimit,
      },
      logger,
    );
  }
  if (options.stateFile !== undefined) {
    return fileBackend(options.stateFile, {
      snapshotEveryEntries: options.stateSnapshotEvery,
      journalLimit: options.journalLimit,
    });
  }
  return memoryBackend(options.journalLimit);
}

type Health = components['schemas']['Health'];

/** What GET /_mock/health shows of a log's own health: the backend and, for Redis, its server and this replica. */
export function healthFields(h: LogHealth): Pick<Health, 'backend' | 'redis' | 'replica'> {
  if (h.backend !== 'redis') return { backend: h.backend };
  const { url, prefix, appendonly, appendfsync, durable, warning, error } = h.detail;
  const redis: NonNullable<Health['redis']> = { url, prefix };
  if (appendonly !== undefined) redis.appendonly = appendonly;
  if (appendfsync !== undefined) redis.appendfsync = appendfsync;
  if (durable !== undefined) redis.durable = durable;
  if (warning !== undefined) redis.warning = warning;
  if (error !== undefined) redis.error = error;
  return { backend: 'redis', redis, replica: h.replica };
}
