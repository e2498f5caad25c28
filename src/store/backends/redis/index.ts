// The Redis backend (TOGAI_MOCK_REDIS_URL): the log is a stream shared by
// every replica on the same URL and prefix, and the request journal and the
// rate limit's counts are shared through the same connection (closed with
// the log), so that replicas behind a load balancer behave as one mock.

import type { StoreLogger } from '../../logger.js';
import { SharedJournal } from '../../services/request-journal.js';
import type { Backend } from '../types.js';
import { RedisJournalStore } from './journal.js';
import { RedisLog } from './log.js';
import { RedisRateCounter } from './rate.js';

export interface RedisBackendOptions {
  url: string;
  prefix?: string | undefined;
  snapshotEvery?: number | undefined;
  journalLimit: number;
}

export function redisBackend(options: RedisBackendOptions, logger: StoreLogger): Backend {
  const log = new RedisLog({ url: options.url, prefix: options.prefix, snapshotEvery: options.snapshotEvery, logger });
  const shared = { connection: log.connection, prefix: log.prefix };
  const journal = new SharedJournal(
    new RedisJournalStore({ ...shared, limit: options.journalLimit, replica: log.replicaId, logger }),
  );
  return { log, journal, rateCounter: new RedisRateCounter(shared) };
}
