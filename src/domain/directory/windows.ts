// Alias windows: half-open [from, until) in epoch ms, either end null
// (unbounded), and the checks the directory makes on them.

import { invalid } from '../errors.js';
import type { AliasRecord, AliasWindowInput } from './records.js';

/** How many aliases may be in effect for an account at one instant (the Account schema shows at most 10). */
export const MAX_OPEN_ALIASES = 10;

/** A window's ends as instants (null: unbounded), checked. */
export function windowOf(w: AliasWindowInput, at: string): { from: number | null; until: number | null } {
  const from = w.effectiveFrom === undefined ? null : Date.parse(w.effectiveFrom);
  const until = w.effectiveUntil === undefined ? null : Date.parse(w.effectiveUntil);
  if (from !== null && Number.isNaN(from)) throw invalid(`${at}.effectiveFrom must be a date-time`);
  if (until !== null && Number.isNaN(until)) throw invalid(`${at}.effectiveUntil must be a date-time`);
  if (from !== null && until !== null && until <= from) {
    throw invalid(`${at}.effectiveUntil (${w.effectiveUntil}) must be after effectiveFrom (${w.effectiveFrom})`);
  }
  return { from, until };
}

/** Whether two windows [from, until) share an instant (null ends unbounded). */
export function overlaps(
  a: { from: number | null; until: number | null },
  b: { from: number | null; until: number | null },
) {
  const aBeforeBEnds = a.from === null || b.until === null || a.from < b.until;
  const bBeforeAEnds = b.from === null || a.until === null || b.from < a.until;
  const aEmpty = a.from !== null && a.until !== null && a.until <= a.from;
  const bEmpty = b.from !== null && b.until !== null && b.until <= b.from;
  return aBeforeBEnds && bBeforeAEnds && !aEmpty && !bEmpty;
}

/** The most windows [from, until) in effect at one instant (null ends unbounded; empty windows count for none). */
export function mostAtOnce(windows: ReadonlyArray<{ from: number | null; until: number | null }>): number {
  const steps: Array<[number, number]> = [];
  for (const w of windows) {
    const from = w.from ?? -Infinity;
    const until = w.until ?? Infinity;
    if (until <= from) continue;
    steps.push([from, 1], [until, -1]);
  }
  // At one instant an end comes before a start: [a, b) and [b, c) never overlap.
  steps.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let running = 0;
  let most = 0;
  for (const [, d] of steps) {
    running += d;
    if (running > most) most = running;
  }
  return most;
}

export const isOpenAt = (a: AliasRecord, now: number): boolean => a.until === null || a.until > now;
