// The journal's byte ring (src/store/services/byte-ring.ts): the bytes of the
// last `keep` entries put stay as they were put, whatever their sizes, the
// buffer is reused rather than reallocated, and a clear keeps what was handed out.

import { describe, expect, it } from 'vitest';
import { ByteRing, MAX_RING_BYTES, sliceBytes, type RingSlice } from '../../src/store/services/byte-ring.js';

/** Bytes of `length`, each entry's own (so an overwrite shows). */
const bytesOf = (n: number, length: number): Buffer => Buffer.alloc(length, `${n}:`);

describe('ByteRing', () => {
  it('keeps the last `keep` entries intact over many rounds of mixed sizes, one buffer in steady state', () => {
    const keep = 50;
    const ring = new ByteRing(keep);
    const kept: Array<{ n: number; length: number; slice: RingSlice }> = [];
    const buffers = new Set<Buffer>();
    let seed = 7;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) % 10_000) / 10_000;
    for (let n = 0; n < 5_000; n++) {
      const length = 1 + Math.floor(random() * (n % 97 === 0 ? 200_000 : 30_000));
      const slice = ring.put(bytesOf(n, length))!;
      kept.push({ n, length, slice });
      if (kept.length > keep) kept.shift();
      if (n >= 4_000) buffers.add(slice.buffer);
      for (const k of kept)
        expect(sliceBytes(k.slice).equals(bytesOf(k.n, k.length)), `entry ${k.n} at ${n}`).toBe(true);
    }
    // Grown to fit, then reused: the last thousand entries all went into one buffer.
    expect(buffers.size).toBe(1);
  });

  it('an entry bigger than the buffer gets a bigger one; what was there stays readable', () => {
    const ring = new ByteRing(3);
    const small = ring.put(bytesOf(1, 10))!;
    const big = ring.put(bytesOf(2, 1_000_000))!;
    expect(big.buffer).not.toBe(small.buffer);
    expect(sliceBytes(small).equals(bytesOf(1, 10))).toBe(true);
    expect(sliceBytes(big).equals(bytesOf(2, 1_000_000))).toBe(true);
  });

  it('after clear() it writes a new buffer: slices handed out before still read as they were', () => {
    const ring = new ByteRing(2);
    const before = ring.put(bytesOf(1, 100))!;
    ring.clear();
    for (let n = 2; n < 2_000; n++) ring.put(bytesOf(n, 5_000));
    expect(sliceBytes(before).equals(bytesOf(1, 100))).toBe(true);
  });

  it('declines (copying nothing) what would need a buffer over its largest, and copies again once that is out', () => {
    const keep = 3;
    const ring = new ByteRing(keep);
    expect(ring.put(bytesOf(1, 1_000))).toBeDefined();
    expect(ring.put(Buffer.alloc(MAX_RING_BYTES / 2 + 1))).toBeUndefined();
    // While the big one is among the last `keep`, it still counts; after that the ring copies again.
    let n = 2;
    let slice: RingSlice | undefined;
    while (slice === undefined && n < 2 + keep + 1) slice = ring.put(bytesOf(n++, 1_000));
    expect(slice).toBeDefined();
    expect(sliceBytes(slice!).equals(bytesOf(n - 1, 1_000))).toBe(true);
  });
});
