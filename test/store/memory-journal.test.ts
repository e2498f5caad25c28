// The journal's in-process storage: the newest `limit` records, ids that keep
// increasing across clear(), queries by id and by a match.

import { describe, expect, it } from 'vitest';
import { MemoryJournalStore } from '../../src/store/services/memory-journal.js';

describe('MemoryJournalStore', () => {
  it('keeps the newest `limit` entries, lists the newest matches oldest first, and never reuses an id', () => {
    const store = new MemoryJournalStore<{ n: number }>(3);
    for (let n = 1; n <= 5; n++) store.add({ n });
    expect(store.list({ limit: 10 }).map((r) => [r.id, r.entry.n])).toEqual([
      [3, 3],
      [4, 4],
      [5, 5],
    ]);
    expect(store.list({ limit: 2 }).map((r) => r.id)).toEqual([4, 5]);
    expect(store.list({ limit: 10, after: 4 }).map((r) => r.id)).toEqual([5]);
    expect(store.list({ limit: 10, match: (e) => e.n % 2 === 1 }).map((r) => r.id)).toEqual([3, 5]);
    store.clear((e) => e.n === 4);
    expect(store.list({ limit: 10 }).map((r) => r.id)).toEqual([3, 5]);
    store.clear();
    store.add({ n: 6 });
    expect(store.list({ limit: 10 })).toEqual([{ id: 6, replica: 'local', entry: { n: 6 } }]);
  });

  it('keeps nothing with limit 0', () => {
    const store = new MemoryJournalStore<number>(0);
    store.add(1);
    expect(store.list({ limit: 10 })).toEqual([]);
  });
});
