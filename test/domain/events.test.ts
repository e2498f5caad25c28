// The event store's rules without HTTP: each ingestion status and its edges
// (the 45-day duplicate window and the grace period by the given time),
// accounts named by alias through a fake lookup, corrections, the cap,
// all-or-nothing and the snapshot round trip.
import { describe, expect, it } from 'vitest';
import {
  DUPLICATE_WINDOW_MS,
  EventStore,
  positionOf,
  type AccountStatus,
  type EventAccountLookup,
  type EventPayload,
} from '../../src/domain/events/event-store.js';
import { MockError } from '../../src/domain/errors.js';

const DAY = 86_400_000;
const NOW = Date.parse('2024-06-01T12:00:00Z');

/** Accounts by id, and aliases with [from, until) windows. */
function fakeLookup(
  accounts: Record<string, AccountStatus>,
  aliases: Array<{ alias: string; accountId: string; from: number; until: number }> = [],
): EventAccountLookup {
  return {
    resolveForEvent(idOrAlias, at) {
      const status = accounts[idOrAlias];
      if (status !== undefined) return { accountId: idOrAlias, status };
      const a = aliases.find((x) => x.alias === idOrAlias && x.from <= at && at < x.until);
      return a === undefined ? undefined : { accountId: a.accountId, status: accounts[a.accountId]! };
    },
  };
}

const lookup = fakeLookup({ ACC1: 'ACTIVE', ACC2: 'DRAFT', GONE: 'ARCHIVED' });

const ev = (over: Partial<EventPayload> = {}): EventPayload => ({
  id: 'e1',
  accountId: 'ACC1',
  schemaName: 'rides',
  timestamp: new Date(NOW - DAY).toISOString(),
  attributes: [{ name: 'km', value: '12' }],
  dimensions: { city: 'Pune' },
  ...over,
});

describe('ingestion statuses', () => {
  it('completes an event of a known account with INGESTION_COMPLETED_NO_MATCHING_METERS', () => {
    const s = new EventStore();
    const [out] = s.ingest([ev()], NOW, lookup);
    expect(out).toEqual({ status: 'INGESTION_COMPLETED_NO_MATCHING_METERS', referenceId: 'evt_0000000001', id: 'e1' });
    const got = s.get('e1')!;
    expect(got.payload).toEqual(ev());
    expect(got.accountId).toBe('ACC1');
    expect(got.createdAt).toBe(NOW);
    expect(positionOf(got.referenceId)).toBe(0);
  });

  it('a DRAFT account receives events', () => {
    const s = new EventStore();
    expect(s.ingest([ev({ accountId: 'ACC2' })], NOW, lookup)[0]!.status).toBe(
      'INGESTION_COMPLETED_NO_MATCHING_METERS',
    );
  });

  it('fails an event without an id (the schema leaves it optional), or with an empty one', () => {
    const s = new EventStore();
    const { id: _omit, ...noId } = ev();
    const out = s.ingest([noId, ev({ id: '' })], NOW, lookup);
    expect(out.map((o) => o.status)).toEqual(['INGESTION_FAILED_NO_EVENT_ID', 'INGESTION_FAILED_NO_EVENT_ID']);
    expect(s.size).toBe(2);
    expect(s.list({ pageSize: 50, status: 'INGESTION_FAILED_NO_EVENT_ID' }).events).toHaveLength(2);
  });

  it('fails an unknown or ARCHIVED account with INGESTION_FAILED_ACCOUNT_NOT_FOUND, never completing it', () => {
    const s = new EventStore();
    const out = s.ingest([ev({ id: 'a', accountId: 'NOPE' }), ev({ id: 'b', accountId: 'GONE' })], NOW, lookup);
    expect(out.map((o) => o.status)).toEqual([
      'INGESTION_FAILED_ACCOUNT_NOT_FOUND',
      'INGESTION_FAILED_ACCOUNT_NOT_FOUND',
    ]);
    expect(s.list({ pageSize: 50, accountId: 'NOPE' }).events.map((e) => e.payload.id)).toEqual(['a']);
    expect(s.list({ pageSize: 50, status: 'INGESTION_COMPLETED_NO_MATCHING_METERS' }).events).toEqual([]);
  });

  it('grace period edge: exactly 35 days back completes, a millisecond more fails', () => {
    const s = new EventStore();
    const out = s.ingest(
      [
        ev({ id: 'edge', timestamp: new Date(NOW - 35 * DAY).toISOString() }),
        ev({ id: 'past', timestamp: new Date(NOW - 35 * DAY - 1).toISOString() }),
      ],
      NOW,
      lookup,
    );
    expect(out.map((o) => o.status)).toEqual([
      'INGESTION_COMPLETED_NO_MATCHING_METERS',
      'INGESTION_FAILED_PAST_GRACE_PERIOD',
    ]);
  });

  it('the grace period is an option', () => {
    const s = new EventStore({ gracePeriodDays: 1 });
    const out = s.ingest([ev({ timestamp: new Date(NOW - 2 * DAY).toISOString() })], NOW, lookup);
    expect(out[0]!.status).toBe('INGESTION_FAILED_PAST_GRACE_PERIOD');
  });
});

describe('duplicates (45 days by the given clock)', () => {
  it('a repeated id in one batch completes once', () => {
    const s = new EventStore();
    const out = s.ingest([ev(), ev(), ev({ id: 'e2' })], NOW, lookup);
    expect(out.map((o) => o.status)).toEqual([
      'INGESTION_COMPLETED_NO_MATCHING_METERS',
      'INGESTION_FAILED_DUPLICATE_EVENT',
      'INGESTION_COMPLETED_NO_MATCHING_METERS',
    ]);
    expect(s.get('e1')!.status).toBe('INGESTION_COMPLETED_NO_MATCHING_METERS');
  });

  it('an id is refused until 45 days after its completed event, and allowed from then', () => {
    const s = new EventStore({ gracePeriodDays: 100 });
    s.ingest([ev()], NOW, lookup);
    const justBefore = NOW + DUPLICATE_WINDOW_MS - 1;
    expect(s.ingest([ev()], justBefore, lookup)[0]!.status).toBe('INGESTION_FAILED_DUPLICATE_EVENT');
    expect(s.ingest([ev()], NOW + DUPLICATE_WINDOW_MS, lookup)[0]!.status).toBe(
      'INGESTION_COMPLETED_NO_MATCHING_METERS',
    );
    // The newest completed one holds the id from now on.
    expect(s.ingest([ev()], NOW + DUPLICATE_WINDOW_MS + DAY, lookup)[0]!.status).toBe(
      'INGESTION_FAILED_DUPLICATE_EVENT',
    );
    expect(s.get('e1')!.referenceId).toBe('evt_0000000003');
  });

  it('a failed event does not take its id: the id completes later', () => {
    const s = new EventStore();
    expect(s.ingest([ev({ accountId: 'NOPE' })], NOW, lookup)[0]!.status).toBe('INGESTION_FAILED_ACCOUNT_NOT_FOUND');
    expect(s.get('e1')!.status).toBe('INGESTION_FAILED_ACCOUNT_NOT_FOUND');
    expect(s.ingest([ev()], NOW, lookup)[0]!.status).toBe('INGESTION_COMPLETED_NO_MATCHING_METERS');
    // With a failed and a completed event, the id shows its completed one.
    expect(s.get('e1')!.status).toBe('INGESTION_COMPLETED_NO_MATCHING_METERS');
    expect(s.ingest([ev({ accountId: 'NOPE' })], NOW, lookup)[0]!.status).toBe('INGESTION_FAILED_ACCOUNT_NOT_FOUND');
    expect(s.get('e1')!.status).toBe('INGESTION_COMPLETED_NO_MATCHING_METERS');
  });
});

describe('aliases (through the lookup, at the event timestamp)', () => {
  const T = NOW - 10 * DAY;
  const aliasLookup = fakeLookup({ ACC1: 'ACTIVE', ACC2: 'ACTIVE' }, [
    { alias: 'acme', accountId: 'ACC1', from: T, until: T + 5 * DAY },
    { alias: 'acme', accountId: 'ACC2', from: T + 5 * DAY, until: Infinity },
  ]);

  it('an alias is resolved at the event timestamp and the event is listed under the account', () => {
    const s = new EventStore();
    const out = s.ingest(
      [
        ev({ id: 'x1', accountId: 'acme', timestamp: new Date(T).toISOString() }),
        ev({ id: 'x2', accountId: 'acme', timestamp: new Date(T + 5 * DAY - 1).toISOString() }),
        ev({ id: 'x3', accountId: 'acme', timestamp: new Date(T + 5 * DAY).toISOString() }),
        ev({ id: 'x4', accountId: 'acme', timestamp: new Date(T - 1).toISOString() }),
      ],
      NOW,
      aliasLookup,
    );
    expect(out.map((o) => o.status)).toEqual([
      'INGESTION_COMPLETED_NO_MATCHING_METERS',
      'INGESTION_COMPLETED_NO_MATCHING_METERS',
      'INGESTION_COMPLETED_NO_MATCHING_METERS',
      'INGESTION_FAILED_ACCOUNT_NOT_FOUND',
    ]);
    expect(s.list({ pageSize: 50, accountId: 'ACC1' }).events.map((e) => e.payload.id)).toEqual(['x1', 'x2']);
    expect(s.list({ pageSize: 50, accountId: 'ACC2' }).events.map((e) => e.payload.id)).toEqual(['x3']);
    // The payload is kept as sent.
    expect(s.get('x1')!.payload.accountId).toBe('acme');
    expect(s.get('x1')!.accountId).toBe('ACC1');
  });
});

describe('listing', () => {
  it('pages in ingestion order with filters; the cursor continues after the last one served', () => {
    const s = new EventStore();
    const batch: EventPayload[] = [];
    for (let i = 0; i < 7; i++) {
      batch.push(ev({ id: `e${i}`, accountId: i % 2 === 0 ? 'ACC1' : 'ACC2', schemaName: i < 5 ? 'rides' : 'calls' }));
    }
    s.ingest(batch, NOW, lookup);
    const first = s.list({ pageSize: 2, accountId: 'ACC1' });
    expect(first.events.map((e) => e.payload.id)).toEqual(['e0', 'e2']);
    const second = s.list({ pageSize: 2, accountId: 'ACC1', after: positionOf(first.next!) });
    expect(second.events.map((e) => e.payload.id)).toEqual(['e4', 'e6']);
    expect(second.next).toBeUndefined();
    expect(s.list({ pageSize: 50, schemaName: 'calls' }).events.map((e) => e.payload.id)).toEqual(['e5', 'e6']);
    expect(s.list({ pageSize: 50, schemaName: 'nothing' }).events).toEqual([]);
    expect(s.list({ pageSize: 3 }).next).toBe('evt_0000000003');
    // A page that ends exactly at the last match has no next token.
    expect(s.list({ pageSize: 2, schemaName: 'calls' }).next).toBeUndefined();
  });
});

describe('corrections', () => {
  it('UNDO reverts the completed event and frees its id', () => {
    const s = new EventStore();
    s.ingest([ev()], NOW, lookup);
    const undo = s.correct('UNDO', { ...ev(), attributes: [] }, NOW, lookup);
    expect(undo.status).toBe('REVERTED');
    expect(undo.event.status).toBe('REVERTED');
    expect(s.get('e1')!.status).toBe('REVERTED');
    expect(s.ingest([ev()], NOW, lookup)[0]!.status).toBe('INGESTION_COMPLETED_NO_MATCHING_METERS');
    expect(s.get('e1')!.referenceId).toBe('evt_0000000002');
  });

  it('UNDO of an event without a completed one is FAILED and changes nothing', () => {
    const s = new EventStore();
    s.ingest([ev({ accountId: 'NOPE' })], NOW, lookup);
    const out = s.correct('UNDO', ev(), NOW, lookup);
    expect(out.status).toBe('FAILED');
    expect(out.reason).toMatch(/INGESTION_FAILED_ACCOUNT_NOT_FOUND/);
    expect(s.get('e1')!.status).toBe('INGESTION_FAILED_ACCOUNT_NOT_FOUND');
  });

  it('an unknown id is a 404; an event without id a 400', () => {
    const s = new EventStore();
    expect(() => s.correct('UNDO', ev({ id: 'nope' }), NOW, lookup)).toThrow(/Event nope does not exist/);
    const { id: _omit, ...noId } = ev();
    expect(() => s.correct('UNDO', noId, NOW, lookup)).toThrow(/event.id is required/);
  });

  it('REDO reverts and ingests the same payload again; REDO_EVENT ingests the payload given', () => {
    const s = new EventStore();
    s.ingest([ev()], NOW, lookup);
    const redo = s.correct('REDO', ev({ attributes: [{ name: 'km', value: '99' }] }), NOW + 1, lookup);
    expect(redo.status).toBe('REVERTED_AND_REINGESTED');
    expect(redo.event.payload.attributes).toEqual([{ name: 'km', value: '12' }]);
    expect(redo.event.referenceId).toBe('evt_0000000002');
    const redoEvent = s.correct('REDO_EVENT', ev({ attributes: [{ name: 'km', value: '99' }] }), NOW + 2, lookup);
    expect(redoEvent.status).toBe('REVERTED_AND_REINGESTED');
    expect(s.get('e1')!.payload.attributes).toEqual([{ name: 'km', value: '99' }]);
    expect(s.list({ pageSize: 50, status: 'REVERTED' }).events.map((e) => e.referenceId)).toEqual([
      'evt_0000000001',
      'evt_0000000002',
    ]);
    // Still one completed event for the id.
    expect(s.list({ pageSize: 50, status: 'INGESTION_COMPLETED_NO_MATCHING_METERS' }).events).toHaveLength(1);
  });

  it('REDO of a REVERTED event ingests it again; a REDO that would fail is FAILED and changes nothing', () => {
    const s = new EventStore();
    s.ingest([ev()], NOW, lookup);
    s.correct('UNDO', ev(), NOW, lookup);
    const failed = s.correct('REDO_EVENT', ev({ accountId: 'NOPE' }), NOW, lookup);
    expect(failed.status).toBe('FAILED');
    expect(failed.reason).toMatch(/INGESTION_FAILED_ACCOUNT_NOT_FOUND/);
    expect(s.size).toBe(1);
    const redo = s.correct('REDO', ev(), NOW, lookup);
    expect(redo.status).toBe('REVERTED_AND_REINGESTED');
    expect(s.get('e1')!.status).toBe('INGESTION_COMPLETED_NO_MATCHING_METERS');
  });
});

describe('the cap', () => {
  it('refuses (507) an ingestion that would pass it, storing none of it', () => {
    const s = new EventStore({ maxEvents: 3 });
    s.ingest([ev({ id: 'a' }), ev({ id: 'b' })], NOW, lookup);
    let err: unknown;
    try {
      s.ingest([ev({ id: 'c' }), ev({ id: 'd' })], NOW, lookup);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MockError);
    expect((err as MockError).kind).toBe('insufficient_storage');
    expect((err as MockError).message).toMatch(/--max-events/);
    expect(s.size).toBe(2);
    expect(s.ingest([ev({ id: 'c' })], NOW, lookup)[0]!.status).toBe('INGESTION_COMPLETED_NO_MATCHING_METERS');
  });
});

describe('all or nothing, snapshots', () => {
  it('atomically takes back every event stored and status changed when the change throws', () => {
    const s = new EventStore();
    s.ingest([ev({ id: 'keep' })], NOW, lookup);
    const before = JSON.stringify(s.snapshot());
    expect(() =>
      s.atomically(() => {
        s.ingest([ev(), ev({ id: 'x', accountId: 'ACC2' })], NOW, lookup);
        s.correct('UNDO', ev({ id: 'keep' }), NOW, lookup);
        s.correct('REDO', ev({ id: 'keep' }), NOW, lookup);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(JSON.stringify(s.snapshot())).toBe(before);
    expect(s.get('e1')).toBeUndefined();
    expect(s.list({ pageSize: 50, accountId: 'ACC2' }).events).toEqual([]);
    // The id is still taken by its completed event.
    expect(s.ingest([ev({ id: 'keep' })], NOW, lookup)[0]!.status).toBe('INGESTION_FAILED_DUPLICATE_EVENT');
  });

  it('nested: an inner change that throws goes alone; the outer one keeps or takes back its own', () => {
    const s = new EventStore();
    const empty = JSON.stringify(s.snapshot());
    // The inner call fails and is caught: only its events go, the outer call's first one stays.
    s.atomically(() => {
      s.ingest([ev({ id: 'outer-1' })], NOW, lookup);
      expect(() =>
        s.atomically(() => {
          s.ingest([ev({ id: 'inner' })], NOW, lookup);
          throw new Error('inner');
        }),
      ).toThrow('inner');
      s.ingest([ev({ id: 'outer-2' })], NOW, lookup);
    });
    expect(s.list({ pageSize: 50 }).events.map((e) => e.payload.id)).toEqual(['outer-1', 'outer-2']);
    // Committed changes are not taken back by a later call that fails.
    expect(() =>
      s.atomically(() => {
        s.ingest([ev({ id: 'later' })], NOW, lookup);
        throw new Error('later');
      }),
    ).toThrow('later');
    expect(s.list({ pageSize: 50 }).events.map((e) => e.payload.id)).toEqual(['outer-1', 'outer-2']);
    // A nested call that succeeded goes with the outer one that fails.
    const fresh = new EventStore();
    expect(() =>
      fresh.atomically(() => {
        fresh.atomically(() => fresh.ingest([ev({ id: 'nested' })], NOW, lookup));
        throw new Error('outer');
      }),
    ).toThrow('outer');
    expect(JSON.stringify(fresh.snapshot())).toBe(empty);
  });

  it('restores a snapshot identically: same listing, same rules afterwards', () => {
    const s = new EventStore();
    s.ingest([ev(), ev(), ev({ id: 'n', accountId: 'NOPE' }), ev({ id: 'r' })], NOW, lookup);
    s.correct('UNDO', ev({ id: 'r' }), NOW, lookup);
    const snap = JSON.parse(JSON.stringify(s.snapshot()));
    const t = new EventStore();
    t.restore(snap);
    expect(t.snapshot()).toEqual(s.snapshot());
    expect(t.list({ pageSize: 50 })).toEqual(s.list({ pageSize: 50 }));
    expect(t.ingest([ev()], NOW, lookup)[0]!.status).toBe('INGESTION_FAILED_DUPLICATE_EVENT');
    expect(t.ingest([ev({ id: 'r' })], NOW, lookup)[0]!.status).toBe('INGESTION_COMPLETED_NO_MATCHING_METERS');
  });

  it('refuses a snapshot with an unknown status', () => {
    const t = new EventStore();
    expect(() =>
      t.restore({ events: [{ payload: JSON.stringify(ev()), accountId: 'ACC1', status: 'X' as never, createdAt: 0 }] }),
    ).toThrow(/events\[0\].status/);
  });
});
