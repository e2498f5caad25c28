// Togai-shaped identifiers: `cred.` + 11 base62 characters + `.` + 5 base62
// characters (transactions use `ctxn.`).
//
// Every id a ledger draws comes from one seeded generator whose state is part
// of the ledger's state (it is in the snapshot): the same seed and the same
// changes give the same ids in any process, which is what lets several
// processes replay one log of changes into identical ledgers. Fresh
// randomness, when wanted, is the caller's to supply as the seed.
//
// Ids of changes that a read may be the first to notice (an expiry) are not
// drawn at all but derived from the credit (derivedId): whichever call sees
// the expiry first, the id is the same.

import { createHash } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BASE62_CODES = Array.from(BASE62, (c) => c.charCodeAt(0));
const DOT = 0x2e;

/** A source of uniformly distributed 32-bit unsigned integers. */
export type Random32 = () => number;

/** One SplitMix32-style step: the next state after `state`. */
const step = (state: number): number => (state + 0x9e3779b9) >>> 0;

/** The output of a SplitMix32-style generator at `state`. */
function mix(state: number): number {
  let z = state;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** SplitMix32-style generator: small, fast, and good enough for test ids. */
export function seededRandom(seed: number): Random32 {
  let state = seed >>> 0;
  return () => mix((state = step(state)));
}

/**
 * The id seed for a ledger that already holds `size` records (credits plus
 * accounts): the seed as given on an empty ledger, else mixed with the size,
 * so seeding twice with one seed does not replay the ids (transaction ids are
 * not checked for collisions).
 */
export function idSeedFor(seed: number, size: number): number {
  return size === 0 ? seed >>> 0 : (seed ^ Math.imul(size, 0x9e3779b1)) >>> 0;
}

/** A 32-bit seed derived from a text (the same text, the same seed). */
export function seedFromText(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32LE(0);
}

export class IdGenerator {
  private current: number;

  constructor(seed = 0) {
    this.current = seed >>> 0;
  }

  /** The generator's state: a uint32 that, set again, makes the same ids follow. */
  get state(): number {
    return this.current;
  }

  set state(value: number) {
    this.current = value >>> 0;
  }

  private next(): number {
    return mix((this.current = step(this.current)));
  }

  /** Character codes of one id, reused: ids are built in place, then made a string once. */
  private readonly codes: number[] = new Array<number>(22).fill(0);

  /**
   * Builds the id as one flat string. Concatenating piece by piece would
   * leave a tree of partial strings behind every stored id (measured at
   * ~110 bytes per id); the random draws and their order are unchanged,
   * so seeded ids stay the same.
   */
  private make(prefix: string): string {
    const codes = this.codes;
    let n = 0;
    for (let i = 0; i < prefix.length; i++) codes[n++] = prefix.charCodeAt(i);
    codes[n++] = DOT;
    for (let i = 0; i < 11; i++) codes[n++] = BASE62_CODES[this.next() % 62]!;
    codes[n++] = DOT;
    for (let i = 0; i < 5; i++) codes[n++] = BASE62_CODES[this.next() % 62]!;
    codes.length = n;
    return String.fromCharCode.apply(null, codes);
  }

  credit(): string {
    return this.make('cred');
  }

  transaction(): string {
    return this.make('ctxn');
  }

  hold(): string {
    return this.make('hold');
  }

  // ---- Customers, accounts and wallets (the directory's own generator)

  /** An id of the usual shape with any prefix (`customer`, `account`, `wallet`, ...). */
  prefixed(prefix: string): string {
    return this.make(prefix);
  }

  /** A version-4-shaped UUID from the same draws (aliases are identified by UUIDs). */
  uuid(): string {
    const hex: string[] = [];
    for (let i = 0; i < 4; i++) hex.push(this.next().toString(16).padStart(8, '0'));
    const h = hex.join('');
    const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}

/**
 * An id of the usual shape derived from `text` alone (SHA-256 of it): 16
 * base62 characters, about 95 bits, taken four from each of the digest's
 * first four 32-bit words. Used where an id must not depend on when or where
 * it is made.
 */
export function derivedId(prefix: string, text: string): string {
  const digest = createHash('sha256').update(text).digest();
  const chars: string[] = [];
  for (let w = 0; w < 4; w++) {
    let v = digest.readUInt32LE(4 * w);
    for (let i = 0; i < 4; i++) {
      chars.push(BASE62[v % 62]!);
      v = Math.floor(v / 62);
    }
  }
  return `${prefix}.${chars.slice(0, 11).join('')}.${chars.slice(11).join('')}`;
}

/** The id of the EXPIRED transaction of a credit: one per credit, derived from its id. */
export const expiredTransactionId = (creditId: string): string => derivedId('ctxn', `${creditId}:EXPIRED`);

export const CREDIT_ID_PATTERN = /^cred\.[0-9A-Za-z]{11}\.[0-9A-Za-z]{5}$/;
export const TRANSACTION_ID_PATTERN = /^ctxn\.[0-9A-Za-z]{11}\.[0-9A-Za-z]{5}$/;
