// The per-credential rate limit's counting (TOGAI_MOCK_RATE_LIMIT, PUT
// /_mock/rate-limit) for one process: a count of recent requests per key,
// with the time injected. The limit itself is state (a logged command, see
// commands.ts); the counts are not: a lost count never makes two replicas
// disagree, so they live behind the RateCounter interface (services/types.ts).
// The stage that answers 429 is http/faults.ts.

import type { RateCounter } from './types.js';

/** Sliding one-second window per credential: at most `limit` requests in any 1000 ms. */
export class RateLimiter implements RateCounter {
  private readonly windows = new Map<string, number[]>();

  /** `limit` is the default for hit(key) without one (the limiter used on its own). */
  constructor(
    public limit: number = 0,
    private readonly now: () => number = Date.now,
  ) {}

  set(limit: number): void {
    this.limit = limit;
    this.clear();
  }

  clear(): void {
    this.windows.clear();
  }

  /** Counts a request; answers the seconds to wait when it is over the limit. */
  hit(key: string, limit: number = this.limit): number | undefined {
    if (limit <= 0) return undefined;
    const now = this.now();
    let times = this.windows.get(key);
    if (!times) {
      if (this.windows.size > 10_000) this.sweep(now);
      times = [];
      this.windows.set(key, times);
    }
    while (times.length > 0 && times[0]! <= now - 1000) times.shift();
    if (times.length >= limit) {
      // Retry-After is whole seconds; the window frees a slot when its oldest request turns 1 s old.
      return Math.max(1, Math.ceil((times[0]! + 1000 - now) / 1000));
    }
    times.push(now);
    return undefined;
  }

  private sweep(now: number): void {
    for (const [k, times] of this.windows)
      if (times.length === 0 || times[times.length - 1]! <= now - 1000) this.windows.delete(k);
  }
}
