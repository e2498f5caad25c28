// How the event store keeps events off the collector's heap: the byte arena
// across its chunk edges, FNV-1a against published values, and the id hash
// table checked against a plain model while it grows, is taken back past a
// growth, and holds ids that UTF-8 alone could not carry.
import { describe, expect, it } from 'vitest';
import { ByteArena, fnv1a } from '../../src/domain/events/arena.js';
import { EventStore, type EventAccountLookup, type EventPayload } from '../../src/domain/events/event-store.js';

const NOW = Date.parse('2024-06-01T12:00:00Z');
const lookup: EventAccountLookup = { resolveForEvent: (id) => ({ accountId: id, status: 'ACTIVE' }) };
const MB = 1 << 20;

const ev = (id: string | undefined, i: number): EventPayload => ({
  ...(id === undefined ? {} : { id }),
  accountId: `ACC${i % 7}`,
  schemaName: 'rides',
  timestamp: new Date(NOW - 1000 * (i % 50)).toISOString(),
  attributes: [{ name: 'km', value: String(i) }],
  dimensions: { city: i % 2 === 0 ? 'Pune' : 'Köln' },
});

describe('ByteArena', () => {
  it('keeps each text whole across chunks, an oversized one included, and takes writes back', () => {
    const a = new ByteArena();
    const texts = ['x'.repeat(3 * MB), 'é'.repeat(1.5 * MB), 'y'.repeat(5 * MB), 'small ✓'];
    const at = texts.map((t) => {
      const n = Buffer.byteLength(t);
      const off = a.reserve(n);
      a.write(off, t);
      return { off, n };
    });
    texts.forEach((t, i) => expect(a.text(at[i]!.off, at[i]!.n) === t).toBe(true));
    // The second does not fit after the first: it starts a chunk; so do the oversized one and the one after it.
    expect(new Set(at.map((x) => x.off)).size).toBe(4);
    expect(a.equals(at[3]!.off, at[3]!.n, Buffer.from('small ✓'))).toBe(true);
    expect(a.equals(at[3]!.off, at[3]!.n, Buffer.from('small ✗'))).toBe(false);
    expect(a.hash(at[3]!.off, at[3]!.n)).toBe(fnv1a(Buffer.from('small ✓')));

    a.truncate(at[1]!.off);
    const off = a.reserve(5);
    a.write(off, 'again');
    expect(off).toBe(at[1]!.off);
    expect(a.text(off, 5)).toBe('again');
    expect(a.text(at[0]!.off, at[0]!.n) === texts[0]).toBe(true);
  });

  it('reads back many small texts written across its growing chunks', () => {
    const a = new ByteArena();
    const texts = Array.from({ length: 30_000 }, (_, i) => `{"n":${i},"pad":"${'ü'.repeat(i % 61)}"}`);
    const at = texts.map((t) => {
      const n = Buffer.byteLength(t);
      const off = a.reserve(n);
      a.write(off, t);
      return { off, n };
    });
    texts.forEach((t, i) => expect(a.text(at[i]!.off, at[i]!.n)).toBe(t));
  });

  it('FNV-1a matches the published 32-bit values', () => {
    expect(fnv1a(Buffer.from('')) >>> 0).toBe(0x811c9dc5);
    expect(fnv1a(Buffer.from('a')) >>> 0).toBe(0xe40c292c);
    expect(fnv1a(Buffer.from('foobar')) >>> 0).toBe(0xbf9cf968);
  });
});

describe('the id index', () => {
  /** Every id's referenceIds, newest first, as the plain model says: from a full listing. */
  function model(s: EventStore): Map<string, string[]> {
    const byId = new Map<string, string[]>();
    for (const e of s.list({ pageSize: 1_000_000 }).events) {
      const id = e.payload.id;
      if (id === undefined || id === '') continue;
      byId.set(id, [e.referenceId, ...(byId.get(id) ?? [])]);
    }
    return byId;
  }
  const indexed = (s: EventStore, ids: Iterable<string>): Map<string, string[]> =>
    new Map(
      [...ids].map((id) => [
        id,
        s
          .eventsOf(id)
          .map((e) => e.referenceId)
          .sort()
          .reverse(),
      ]),
    );

  it('finds every id’s events while the table grows, and is taken back past a growth', () => {
    const s = new EventStore();
    let seed = 7;
    const next = (): number => (seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0);
    const pool = Array.from({ length: 1500 }, (_, i) => `id-${i}-${(i * 2_654_435_761) >>> 20}`);
    const batch = (from: number, n: number): EventPayload[] =>
      Array.from({ length: n }, (_, k) =>
        ev(
          from + k >= pool.length && k % 97 === 0
            ? undefined
            : pool[from + k < pool.length ? from + k : next() % pool.length],
          from + k,
        ),
      );
    for (let i = 0; i < 5000; i += 100) s.ingest(batch(i, 100), NOW + i * 1000, lookup);
    const before = model(s);
    expect(before.size).toBe(pool.length);
    expect(indexed(s, pool)).toEqual(before);
    // Each id has exactly one completed event (the rest are duplicates).
    for (const id of pool) expect(s.get(id)!.status).toBe('INGESTION_COMPLETED_NO_MATCHING_METERS');

    const fresh = Array.from({ length: 3000 }, (_, i) => ev(`fresh-${i}`, i));
    expect(() =>
      s.atomically(() => {
        s.ingest(fresh, NOW, lookup);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(s.size).toBe(5000);
    expect(indexed(s, pool)).toEqual(before);
    expect(s.eventsOf('fresh-0')).toEqual([]);

    s.ingest(fresh, NOW, lookup);
    expect(s.get('fresh-2999')!.payload).toEqual(fresh[2999]);
    const after = model(s);
    expect(after.size).toBe(pool.length + fresh.length);
    expect(indexed(s, after.keys())).toEqual(after);
  });

  it('keeps ids exactly as sent: non-ASCII, JSON specials, a lone surrogate, the empty one', () => {
    const ids = ['é😀', '"quoted\\', '\ud800x', 'x\udc00', '\u0000nul'];
    const s = new EventStore();
    s.ingest([...ids.map((id, i) => ev(id, i)), ev('', 9), ev(undefined, 10)], NOW, lookup);
    for (const [i, id] of ids.entries()) {
      expect(s.get(id)!.payload).toEqual(ev(id, i));
      expect(s.get(id)!.status).toBe('INGESTION_COMPLETED_NO_MATCHING_METERS');
    }
    // A lone surrogate is not its neighbour: U+FFFD (what UTF-8 would make of it) names no event.
    expect(s.get('\ufffdx')).toBeUndefined();
    const all = s.list({ pageSize: 50 }).events;
    expect(all[ids.length]!.payload.id).toBe('');
    expect(all[ids.length]!.status).toBe('INGESTION_FAILED_NO_EVENT_ID');
    expect('id' in all[ids.length + 1]!.payload).toBe(false);

    const copy = new EventStore();
    copy.restore(s.snapshot());
    expect(copy.snapshot()).toEqual(s.snapshot());
    for (const id of ids) expect(copy.get(id)).toEqual(s.get(id));
    expect(copy.ingest([ev('é😀', 0)], NOW, lookup)[0]!.status).toBe('INGESTION_FAILED_DUPLICATE_EVENT');
  });
});
