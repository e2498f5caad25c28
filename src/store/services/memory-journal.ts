// The journal's storage for one process: a ring of the newest `limit`
// entries, kept as the objects given (no copy, no serialisation: recording
// is on every request's path). The JournalStore interface is shared with a
// store that many processes can use (see types.ts); this one is synchronous.

import type { JournalQuery, JournalRecord, JournalStore } from './types.js';

export class MemoryJournalStore<E> implements JournalStore<E> {
  /** A ring of at most `limit` records: `ring[(head + i) % limit]` is the i-th oldest. */
  private ring: Array<JournalRecord<E>> = [];
  private head = 0;
  private nextId = 1;

  constructor(
    readonly limit: number,
    private readonly replica = 'local',
  ) {}

  add(entry: E): undefined {
    const record: JournalRecord<E> = { id: this.nextId++, replica: this.replica, entry };
    if (this.limit <= 0) return;
    if (this.ring.length < this.limit) this.ring.push(record);
    else {
      this.ring[this.head] = record;
      this.head = (this.head + 1) % this.limit;
    }
    return undefined;
  }

  private at(i: number): JournalRecord<E> {
    return this.ring[(this.head + i) % this.ring.length]!;
  }

  list(query: JournalQuery<E>): Array<JournalRecord<E>> {
    const out: Array<JournalRecord<E>> = [];
    for (let i = this.ring.length - 1; i >= 0 && out.length < query.limit; i--) {
      const r = this.at(i);
      if (query.after !== undefined && r.id <= query.after) break;
      if (query.match && !query.match(r.entry)) continue;
      out.push(r);
    }
    return out.reverse();
  }

  clear(match?: (entry: E) => boolean): void {
    const kept: Array<JournalRecord<E>> = [];
    if (match) for (let i = 0; i < this.ring.length; i++) if (!match(this.at(i).entry)) kept.push(this.at(i));
    this.ring = kept;
    this.head = 0;
  }
}
