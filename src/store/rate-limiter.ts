// The per-credential rate limit (TOGAI_MOCK_RATE_LIMIT, PUT /_mock/rate-limit):
// a count of recent requests per key, with the time injected. The stage that
// answers 429 is http/faults.ts.

/** Sliding one-second window per credential: at most `limit` requests in any 1000 ms. */
export class RateLimiter {
  private readonly windows = new Map<string, number[]>();

  constructor(
    public limit: number = 0,
    private readonly now: () => number = Date.now,
  ) {}

  set(limit: number): void {
    this.limit = limit;
    this.windows.clear();
  }

  /** Counts a request; answers the seconds to wait when it is over the limit. */
  hit(key: string): number | undefined {
    if (this.limit <= 0) return undefined;
    const now = this.now();
    let times = this.windows.get(key);
    if (!times) {
      if (this.windows.size > 10_000) this.sweep(now);
      times = [];
      this.windows.set(key, times);
    }
    while (times.length > 0 && times[0]! <= now - 1000) times.shift();
    if (times.length >= this.limit) {
      // Retry-After is whole seconds; the window frees a slot when its oldest request turns 1 s old.
      return Math.max(1, Math.ceil((times[0]! + 1000 - now) / 1000));
    }
    times.push(now);
    return undefined;
  }

  private sweep(now: number): void {
    for (const [k, times] of this.windows) if (times.length === 0 || times[times.length - 1]! <= now - 1000) this.windows.delete(k);
  }
}
