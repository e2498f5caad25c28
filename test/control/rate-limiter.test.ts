// The sliding one-second window of the rate limiter and seeded fault
// probabilities, with an injected clock: no HTTP, no waiting.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/domain/ids.js';
import { FaultRules } from '../../src/store/machine/fault-rules.js';
import { RateLimiter } from '../../src/store/services/rate-limiter.js';

describe('RateLimiter', () => {
  it('allows N requests in any 1000 ms per key, and says how long to wait', () => {
    let now = 10_000;
    const limiter = new RateLimiter(2, () => now);
    expect(limiter.hit('a')).toBeUndefined();
    now += 400;
    expect(limiter.hit('a')).toBeUndefined();
    expect(limiter.hit('a')).toBe(1);
    expect(limiter.hit('b')).toBeUndefined();
    // The first request leaves the window 1000 ms after it was counted.
    now = 10_999;
    expect(limiter.hit('a')).toBe(1);
    now = 11_000;
    expect(limiter.hit('a')).toBeUndefined();
    expect(limiter.hit('a')).toBe(1);
  });

  it('is off at 0, and a new limit starts fresh windows', () => {
    const limiter = new RateLimiter(0, () => 0);
    for (let i = 0; i < 100; i++) expect(limiter.hit('a')).toBeUndefined();
    limiter.set(1);
    expect(limiter.hit('a')).toBeUndefined();
    expect(limiter.hit('a')).toBe(1);
  });
});

describe('FaultRules probability', () => {
  const target = { method: 'GET', path: '/credits', operationId: 'listCredits', template: '/credits' };
  const firings = (seed: number): boolean[] => {
    const rules = new FaultRules();
    const draws = seededRandom(seed);
    rules.add({ probability: 0.5 });
    return Array.from({ length: 32 }, () => rules.fire(target, undefined, draws) !== undefined);
  };

  it('draws the same sequence for the same seed, and fires about as often as asked', () => {
    expect(firings(9)).toEqual(firings(9));
    const fired = firings(9).filter(Boolean).length;
    expect(fired).toBeGreaterThan(4);
    expect(fired).toBeLessThan(28);
  });
});
