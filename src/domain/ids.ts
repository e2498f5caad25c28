// Togai-shaped identifiers: `cred.` + 11 base62 characters + `.` + 5 base62
// characters (transactions use `ctxn.`). Random by default; with a seed the
// sequence is reproducible, so a seeded test run gets the same ids every time.

import { randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BASE62_CODES = Array.from(BASE62, (c) => c.charCodeAt(0));
const DOT = 0x2e;

/** A source of uniformly distributed 32-bit unsigned integers. */
export type Random32 = () => number;

/** SplitMix32-style generator: small, fast, and good enough for test ids. */
export function seededRandom(seed: number): Random32 {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Cryptographic randomness, fetched in blocks so ids stay cheap to make. */
export function cryptoRandom(): Random32 {
  let pool = Buffer.alloc(0);
  let offset = 0;
  return () => {
    if (offset + 4 > pool.length) {
      pool = randomBytes(4096);
      offset = 0;
    }
    const v = pool.readUInt32LE(offset);
    offset += 4;
    return v;
  };
}

export class IdGenerator {
  private readonly random: Random32;

  constructor(seed?: number) {
    this.random = seed === undefined ? cryptoRandom() : seededRandom(seed);
  }

  /** Character codes of one id, reused: ids are built in place, then made a string once. */
  private readonly codes: number[] = new Array<number>(22).fill(0);

  /**
   * Builds the id as one flat string. Concatenating piece by piece would
   * leave a tree of partial strings behind every stored id (issue 6 measured
   * ~110 bytes of it per id); the random draws and their order are unchanged,
   * so seeded ids stay the same.
   */
  private make(prefix: string): string {
    const codes = this.codes;
    let n = 0;
    for (let i = 0; i < prefix.length; i++) codes[n++] = prefix.charCodeAt(i);
    codes[n++] = DOT;
    for (let i = 0; i < 11; i++) codes[n++] = BASE62_CODES[this.random() % 62]!;
    codes[n++] = DOT;
    for (let i = 0; i < 5; i++) codes[n++] = BASE62_CODES[this.random() % 62]!;
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
}

export const CREDIT_ID_PATTERN = /^cred\.[0-9A-Za-z]{11}\.[0-9A-Za-z]{5}$/;
export const TRANSACTION_ID_PATTERN = /^ctxn\.[0-9A-Za-z]{11}\.[0-9A-Za-z]{5}$/;
