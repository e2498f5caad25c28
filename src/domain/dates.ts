// Calendar days in UTC. Credits are in effect from the start of their
// effectiveFrom day to the end of their effectiveUntil day, UTC (the fake
// keeps no time zones), and seeds and provider states spell "today" from the
// tenant's clock the same way.

export const DAY_MS = 86_400_000;

/** Start of a `YYYY-MM-DD` day in UTC, as epoch ms (NaN when it is not a date). */
export function dayStart(date: string): number {
  return Date.parse(`${date}T00:00:00.000Z`);
}

/** The `YYYY-MM-DD` (UTC) of an instant in epoch ms. */
export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
