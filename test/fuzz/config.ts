// Seed and size of the property-based suites. Reproducible by default (a
// fixed seed), so `npm test` is deterministic; FUZZ_SEED=<n> replays a
// failure (fast-check prints the seed and path of every counterexample),
// FUZZ_SEED=random explores, FUZZ_RUNS=<n> sets the run count of every
// property (the defaults keep the fuzz files around a minute on two cores).

import type { Parameters } from 'fast-check';

const DEFAULT_SEED = 20240306;

function seedFromEnv(): number {
  const raw = process.env.FUZZ_SEED;
  if (raw === undefined || raw === '') return DEFAULT_SEED;
  if (raw === 'random') return (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
  if (!/^-?\d+$/.test(raw)) throw new Error(`FUZZ_SEED must be an integer or "random" (got "${raw}")`);
  return Number(raw) | 0;
}

export const FUZZ_SEED = seedFromEnv();

/** The run count of a property: FUZZ_RUNS when set, else the property's default. */
export function runs(defaultRuns: number): number {
  const raw = process.env.FUZZ_RUNS;
  if (raw === undefined || raw === '') return defaultRuns;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error(`FUZZ_RUNS must be a positive integer (got "${raw}")`);
  return Number(raw);
}

/** fast-check parameters: the suite's seed, run count, and the seed printed on failure. */
export function fcParams<T>(defaultRuns: number): Parameters<T> {
  return { seed: FUZZ_SEED, numRuns: runs(defaultRuns), verbose: 0 };
}

if (process.env.FUZZ_SEED === 'random') console.warn(`fuzz: FUZZ_SEED=random picked seed ${FUZZ_SEED}`);

/** Per-test time limit: generous, since two cores may be shared with other suites. */
export const FUZZ_TIMEOUT = 180_000;
