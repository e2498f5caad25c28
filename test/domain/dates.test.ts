// The UTC calendar helpers shared by the ledger, seeding and provider states.
import { describe, expect, it } from 'vitest';
import { DAY_MS, dayStart, utcDate } from '../../src/domain/dates.js';

describe('UTC dates', () => {
  it('spells an instant as its UTC day, whatever the time of day', () => {
    expect(utcDate(Date.parse('2024-03-01T00:00:00.000Z'))).toBe('2024-03-01');
    expect(utcDate(Date.parse('2024-03-01T23:59:59.999Z'))).toBe('2024-03-01');
    expect(utcDate(Date.parse('2024-02-29T23:30:00-01:00'))).toBe('2024-03-01');
    expect(utcDate(-1)).toBe('1969-12-31');
  });

  it('starts a day at 00:00 UTC, and the two agree both ways', () => {
    expect(dayStart('2024-03-01')).toBe(Date.parse('2024-03-01T00:00:00Z'));
    expect(dayStart('2024-03-02') - dayStart('2024-03-01')).toBe(DAY_MS);
    for (const d of ['1970-01-01', '2024-02-29', '2099-12-31']) expect(utcDate(dayStart(d))).toBe(d);
    expect(dayStart('not a date')).toBeNaN();
  });
});
