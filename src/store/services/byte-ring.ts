// Where this process's journal keeps the response bytes of its newest
// entries: copies in one reused buffer, not the Buffer each response was
// sent from.
//
// Why: a response kept by the journal outlives the young generation, so the
// collector moves it to the old one, and its memory comes back only with a
// full mark-compact. At a few thousand responses a second of 20-30 KB each
// (a page of events or credits) that is a full collection every half second,
// and on a mock holding a million events and 100k accounts each one marks all
// of them: a third of the throughput of those pages went there (measured in
// bench/RESULTS.md). Copied here, the bytes live in memory allocated once and
// written over in order, and the collector has nothing to do for them.
//
// The ring keeps the bytes of the last `keep` entries put (the journal's
// limit: its ring holds exactly those); it grows (a new, larger buffer; the
// old one stays with the slices in it until they are gone) rather than write
// over bytes that one of them still needs.

/** Where one entry's bytes lie. */
export interface RingSlice {
  readonly buffer: Buffer;
  readonly offset: number;
  readonly length: number;
}

/** The bytes of a slice (a view: valid while its entry is kept). */
export const sliceBytes = (slice: RingSlice): Buffer =>
  slice.buffer.subarray(slice.offset, slice.offset + slice.length);

const INITIAL = 256 * 1024;
/** The largest buffer the ring makes; past it (a journal limit of many thousands of large answers) put() declines. */
export const MAX_RING_BYTES = 256 * 1024 * 1024;

export class ByteRing {
  private buffer: Buffer | undefined;
  /** Next write offset in `buffer`. */
  private offset = 0;
  /** Bytes each of the last `keep` entries took (its length, plus any end of the buffer it skipped). */
  private readonly taken: number[] = [];
  private takenHead = 0;
  /** The sum of `taken`: the bytes the kept entries occupy, at most. */
  private live = 0;

  constructor(private readonly keep: number) {}

  /**
   * Copies `bytes` in; the slice stays readable while the entry is among the
   * last `keep` put. Undefined, copying nothing, when that would take a
   * buffer over MAX_RING_BYTES: the caller keeps the bytes itself.
   */
  put(bytes: Uint8Array): RingSlice | undefined {
    const length = bytes.length;
    let buffer = this.buffer;
    // No slice wraps: an entry that does not fit before the end starts over at 0, and the end it
    // skips counts as its own.
    let skipped = buffer !== undefined && this.offset + length > buffer.length ? buffer.length - this.offset : 0;
    // The kept entries, this one included, lie in the last `live + length + skipped` bytes written:
    // while that fits the buffer, writing in order never reaches one of them. Else a new buffer.
    if (buffer === undefined || this.live + length + skipped > buffer.length) {
      if (2 * (this.live + length) > MAX_RING_BYTES) {
        // Counted all the same: the entry is among the kept ones, wherever its bytes are.
        this.account(length);
        return undefined;
      }
      buffer = this.grow(2 * (this.live + length));
      skipped = 0;
    } else if (skipped > 0) {
      this.offset = 0;
    }
    const slice: RingSlice = { buffer, offset: this.offset, length };
    buffer.set(bytes, this.offset);
    this.offset += length;
    this.account(length + skipped);
    return slice;
  }

  /** Forgets everything (the journal was cleared); slices handed out before stay readable. */
  clear(): void {
    this.buffer = undefined;
    this.offset = 0;
    this.taken.length = 0;
    this.takenHead = 0;
    this.live = 0;
  }

  private grow(size: number): Buffer {
    // A new buffer, written from its start: the kept slices stay in the old one, which is never written again.
    let capacity = Math.max(INITIAL, this.buffer?.length ?? 0);
    while (capacity < size) capacity *= 2;
    this.buffer = Buffer.allocUnsafe(capacity);
    this.offset = 0;
    return this.buffer;
  }

  private account(bytes: number): void {
    if (this.keep <= 0) return;
    if (this.taken.length < this.keep) this.taken.push(bytes);
    else {
      this.live -= this.taken[this.takenHead]!;
      this.taken[this.takenHead] = bytes;
      this.takenHead = (this.takenHead + 1) % this.keep;
    }
    this.live += bytes;
  }
}
