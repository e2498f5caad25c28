// Growable typed-array columns: the event store keeps one number per event per
// column (an account's interned index, a status code, a time) in flat typed
// arrays instead of one object per event, so a million events cost a few
// bytes each here rather than an object header and boxed fields apiece.

type Typed = Int32Array | Uint8Array | Float64Array;
type Make<A extends Typed> = (length: number) => A;

/** A typed array that grows by doubling; `length` is what is used of it. */
export class Column<A extends Typed> {
  private data: A;
  length = 0;

  constructor(
    private readonly make: Make<A>,
    capacity = 16,
  ) {
    this.data = make(capacity);
  }

  get(i: number): number {
    return this.data[i]!;
  }

  set(i: number, v: number): void {
    this.data[i] = v;
  }

  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = this.make(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }

  /** Drops the last value (taking back a push). */
  pop(): void {
    this.length--;
  }

  /** The first index whose value is greater than `v` (values ascending). */
  firstAbove(v: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.data[mid]! > v) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

export const int32Column = (): Column<Int32Array> => new Column((n) => new Int32Array(n));
export const uint8Column = (): Column<Uint8Array> => new Column((n) => new Uint8Array(n));
export const float64Column = (): Column<Float64Array> => new Column((n) => new Float64Array(n));
