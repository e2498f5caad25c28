// Event id -> positions, without a Map entry per event: a chained hash table
// in typed arrays. Every event with an id is in its bucket's chain, newest
// first, so an id's events are the chain's entries whose bytes are the id's
// (the caller compares them: the bytes live in the arena), and taking back
// the last event is taking the head of its bucket.

import { int32Column } from './columns.js';

/** `next` of a position that has no id (not in any chain). */
const NOT_KEYED = -2;

export class IdIndex {
  private heads = new Int32Array(1024).fill(-1);
  /** Per position: the next older position in the same bucket (-1: none), or NOT_KEYED. */
  private readonly next = int32Column();
  /** Per position: its id's hash (0 when not keyed). */
  private readonly hashes = int32Column();
  private keyed = 0;

  /** Adds the next position with an id of hash `hash`. */
  add(hash: number): void {
    if ((this.keyed + 1) * 4 > this.heads.length * 3) this.grow();
    const b = hash & (this.heads.length - 1);
    this.next.push(this.heads[b]!);
    this.hashes.push(hash);
    this.heads[b] = this.next.length - 1;
    this.keyed++;
  }

  /** Adds the next position, one without an id. */
  addNone(): void {
    this.next.push(NOT_KEYED);
    this.hashes.push(0);
  }

  /** Takes back the last position added. */
  pop(): void {
    const pos = this.next.length - 1;
    const next = this.next.get(pos);
    if (next !== NOT_KEYED) {
      // The newest position is the head of its bucket.
      this.heads[this.hashes.get(pos) & (this.heads.length - 1)] = next;
      this.keyed--;
    }
    this.next.pop();
    this.hashes.pop();
  }

  /** The newest position whose id may have hash `hash` (-1: none); follow with after(). */
  first(hash: number): number {
    return this.heads[hash & (this.heads.length - 1)]!;
  }

  /** The next older position in the chain of `pos` (-1: none). */
  after(pos: number): number {
    return this.next.get(pos);
  }

  hashAt(pos: number): number {
    return this.hashes.get(pos);
  }

  /** Doubles the buckets and rebuilds the chains (oldest first, so each stays newest first). */
  private grow(): void {
    this.heads = new Int32Array(this.heads.length * 2).fill(-1);
    const mask = this.heads.length - 1;
    for (let pos = 0; pos < this.next.length; pos++) {
      if (this.next.get(pos) === NOT_KEYED) continue;
      const b = this.hashes.get(pos) & mask;
      this.next.set(pos, this.heads[b]!);
      this.heads[b] = pos;
    }
  }
}
