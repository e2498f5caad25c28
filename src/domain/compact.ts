// The memory-saving structures behind the ledger (a million credits
// must fit in a few hundred MB). Repeated strings are shared, per-credit
// timestamps and CREDITED transaction ids live in typed arrays indexed by the
// credit's seq, and dates are kept as day numbers spelled back from a cache.
// None of them knows about credits' rules; the ledger decides what goes where.

import { DAY_MS, dayStart, utcDate } from './dates.js';
import { TRANSACTION_ID_PATTERN } from './ids.js';

/** Shares equal strings that many credits repeat (purposes, dates, grantors); bounded. */
export class StringPool {
  private readonly pool = new Map<string, string>();
  constructor(private readonly limit: number) {}

  intern(s: string): string;
  intern(s: string | undefined): string | undefined;
  intern(s: string | undefined): string | undefined {
    if (s === undefined) return s;
    const known = this.pool.get(s);
    if (known !== undefined) return known;
    if (this.pool.size < this.limit) this.pool.set(s, s);
    return s;
  }

  clear(): void {
    this.pool.clear();
  }
}

/** createdAt and updatedAt of every credit, indexed by seq: two doubles, no boxes. */
export class Timestamps {
  private data = new Float64Array(2 * 1024);

  createdAt(seq: number): number {
    return this.data[2 * seq]!;
  }

  updatedAt(seq: number): number {
    return this.data[2 * seq + 1]!;
  }

  set(seq: number, createdAt: number, updatedAt: number): void {
    this.reserve(seq);
    this.data[2 * seq] = createdAt;
    this.data[2 * seq + 1] = updatedAt;
  }

  /** Moves the entries of seqs from..to-1 one seq up (to from+1..to). */
  shiftUp(from: number, to: number): void {
    this.reserve(to);
    this.data.copyWithin(2 * (from + 1), 2 * from, 2 * to);
  }

  private reserve(seq: number): void {
    if (2 * seq + 1 < this.data.length) return;
    let length = this.data.length * 2;
    while (2 * seq + 1 >= length) length *= 2;
    const grown = new Float64Array(length);
    grown.set(this.data);
    this.data = grown;
  }

  touch(seq: number, updatedAt: number): void {
    this.data[2 * seq + 1] = updatedAt;
  }

  clear(): void {
    this.data = new Float64Array(2 * 1024);
  }
}

/**
 * Ids of the CREDITED transactions, by seq, packed as their 16 random
 * characters (the `ctxn.` prefix and the dot are implied): 16 bytes instead
 * of a 40-byte string per credit.
 */
export class PackedIds {
  private data = new Uint8Array(16 * 1024);

  static fits(id: string): boolean {
    return TRANSACTION_ID_PATTERN.test(id);
  }

  set(seq: number, id: string): void {
    this.reserve(seq);
    const at = 16 * seq;
    for (let i = 0; i < 11; i++) this.data[at + i] = id.charCodeAt(5 + i);
    for (let i = 0; i < 5; i++) this.data[at + 11 + i] = id.charCodeAt(17 + i);
  }

  /** Moves the ids of seqs from..to-1 one seq up (to from+1..to). */
  shiftUp(from: number, to: number): void {
    this.reserve(to);
    this.data.copyWithin(16 * (from + 1), 16 * from, 16 * to);
  }

  private reserve(seq: number): void {
    if (16 * seq + 16 <= this.data.length) return;
    let length = this.data.length * 2;
    while (16 * seq + 16 > length) length *= 2;
    const grown = new Uint8Array(length);
    grown.set(this.data);
    this.data = grown;
  }

  get(seq: number): string {
    const d = this.data;
    const at = 16 * seq;
    return `ctxn.${String.fromCharCode(...d.subarray(at, at + 11))}.${String.fromCharCode(...d.subarray(at + 11, at + 16))}`;
  }

  clear(): void {
    this.data = new Uint8Array(16 * 1024);
  }
}

/** Days since the epoch of a `YYYY-MM-DD` date (NaN when it is not one). */
export const dayOf = (date: string): number => dayStart(date) / DAY_MS;

/** `YYYY-MM-DD` of a day number; few distinct days occur, so each is spelled once. */
const dates = new Map<number, string>();
export function dateOf(day: number): string {
  if (!Number.isFinite(day)) return '';
  let s = dates.get(day);
  if (s === undefined) {
    s = utcDate(day * DAY_MS);
    if (dates.size < 100_000) dates.set(day, s);
  }
  return s;
}
