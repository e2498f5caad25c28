// What a log only this process writes (memory, the state file, a test's) goes
// with: the request journal and the rate limit's counts of this process,
// kept in memory: nobody else answers requests for the same state.

import { Journal } from '../services/journal.js';
import { RateLimiter } from '../services/rate-limiter.js';
import type { Backend, CommandLog } from './types.js';

export function localBackend(log: CommandLog, journalLimit: number): Backend {
  return { log, journal: new Journal(journalLimit), rateCounter: new RateLimiter() };
}
