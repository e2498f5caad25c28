// The Event Ingestion and Event Management operations through real HTTP, as a
// Togai client sees them: every operation, 202 / 207 / 400 / 404 / 507,
// filters and pages of at most 50, an unknown account's event and a
// duplicate never completed, corrections, `Prefer: code=`, the snapshot round
// trip. The response self-check is on: every response here is checked
// against spec/.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { creditRequest, startTestMock, type TestMock } from '../helpers/mock.js';

const NOW = '2024-06-01T12:00:00Z';
const COMPLETED = 'INGESTION_COMPLETED_NO_MATCHING_METERS';

let mock: TestMock;
beforeAll(async () => {
  mock = await startTestMock();
});
beforeEach(async () => {
  await mock.reset();
  mock.setTime(NOW);
  // An account made the way a Togai client without strict accounts gets one: by its first credit.
  const made = await mock.call('POST', '/credits', {
    body: { creditRequests: [creditRequest({ accountId: 'ACC1' })] },
  });
  expect(made.status).toBe(200);
});

const event = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 'e1',
  accountId: 'ACC1',
  schemaName: 'rides',
  timestamp: '2024-06-01T10:00:00Z',
  attributes: [{ name: 'km', value: '12.5', unit: 'Kilometers' }],
  dimensions: { city: 'Pune' },
  ...over,
});

const ingest = (e: Record<string, unknown>, headers?: Record<string, string>) =>
  mock.call('POST', '/ingest', { body: { event: e }, ...(headers ? { headers } : {}) });
const batch = (...events: Array<Record<string, unknown>>) => mock.call('POST', '/ingestBatch', { body: { events } });
const list = (query = '') => mock.call('GET', `/events${query === '' ? '' : `?${query}`}`);

describe('ingest', () => {
  it('accepts an event (202), stores it completed, and GET /events/{id} shows it with its pipeline info', async () => {
    const r = await ingest(event());
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ success: true, statusCode: 202, message: 'Event e1 was ingested' });
    expect(r.body.details.events).toEqual([{ index: 0, id: 'e1', referenceId: 'evt_0000000001', status: COMPLETED }]);

    const got = await mock.call('GET', '/events/e1');
    expect(got.status).toBe(200);
    expect(got.body.events).toHaveLength(1);
    expect(got.body.events[0]).toEqual({
      referenceId: 'evt_0000000001',
      eventPayload: event(),
      ingestionStatus: { status: COMPLETED, statusDescription: expect.stringMatching(/no usage meters/) },
      createdAt: '2024-06-01T12:00:00.000Z',
      eventPipelineInfo: { usageMeters: [], pricePlans: [], revenueDetails: [] },
    });
  });

  it('an unknown account is never completed: 202 with success false, stored as INGESTION_FAILED_ACCOUNT_NOT_FOUND', async () => {
    const r = await ingest(event({ accountId: 'NOBODY' }));
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ success: false, code: 'INGESTION_FAILED_ACCOUNT_NOT_FOUND' });
    expect(r.body.message).toMatch(/^Event e1 was stored as INGESTION_FAILED_ACCOUNT_NOT_FOUND/);
    // Events never make accounts.
    expect((await mock.call('GET', '/credit_balance/NOBODY')).status).toBe(404);
    const completed = await list(`status=${COMPLETED}`);
    expect(completed.body.events).toEqual([]);
    const failed = await list('status=INGESTION_FAILED_ACCOUNT_NOT_FOUND');
    expect(failed.body.events.map((e: any) => e.eventPayload.accountId)).toEqual(['NOBODY']);
  });

  it('an event without id is stored as INGESTION_FAILED_NO_EVENT_ID; one past the grace period as PAST_GRACE_PERIOD', async () => {
    const { id: _omit, ...noId } = event();
    expect((await ingest(noId)).body.code).toBe('INGESTION_FAILED_NO_EVENT_ID');
    const old = await ingest(event({ id: 'old', timestamp: '2024-04-26T11:59:59Z' }));
    expect(old.body.code).toBe('INGESTION_FAILED_PAST_GRACE_PERIOD');
    const edge = await ingest(event({ id: 'edge', timestamp: '2024-04-27T12:00:00Z' }));
    expect(edge.body.success).toBe(true);
  });

  it('a duplicate id is never a second completed event, across /ingest and /ingestBatch', async () => {
    expect((await ingest(event())).body.success).toBe(true);
    const again = await ingest(event());
    expect(again.body.code).toBe('INGESTION_FAILED_DUPLICATE_EVENT');
    const b = await batch(event({ id: 'e2' }), event());
    expect(b.status).toBe(207);
    const page = await list(`status=${COMPLETED}`);
    expect(page.body.events.map((e: any) => e.eventPayload.id)).toEqual(['e1', 'e2']);
    // The id shows its completed event first, then the failed ones, newest first.
    const got = await mock.call('GET', '/events/e1');
    expect(got.body.events.map((e: any) => [e.referenceId, e.ingestionStatus.status])).toEqual([
      ['evt_0000000001', COMPLETED],
      ['evt_0000000004', 'INGESTION_FAILED_DUPLICATE_EVENT'],
      ['evt_0000000002', 'INGESTION_FAILED_DUPLICATE_EVENT'],
    ]);
  });

  it('400 with the field path when the event breaks the schema, nothing stored', async () => {
    const r = await ingest(event({ timestamp: 'yesterday' }));
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/^event\.timestamp must be/);
    expect((await list()).body.events).toEqual([]);
  });
});

describe('ingestBatch', () => {
  it('202 when every event completed', async () => {
    const r = await batch(event({ id: 'a' }), event({ id: 'b' }));
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ success: true, statusCode: 202, message: 'All 2 events were ingested' });
  });

  it('207 naming the failed events; the others are stored completed', async () => {
    const r = await batch(event({ id: 'a' }), event({ id: 'b', accountId: 'NOBODY' }), event({ id: 'a' }));
    expect(r.status).toBe(207);
    expect(r.body.success).toBe(false);
    expect(r.body.message).toBe(
      '2 of 3 events failed: events[1] (b): INGESTION_FAILED_ACCOUNT_NOT_FOUND; events[2] (a): INGESTION_FAILED_DUPLICATE_EVENT',
    );
    expect(r.body.details.failed.map((f: any) => f.index)).toEqual([1, 2]);
    expect((await list()).body.events.map((e: any) => e.ingestionStatus.status)).toEqual([
      COMPLETED,
      'INGESTION_FAILED_ACCOUNT_NOT_FOUND',
      'INGESTION_FAILED_DUPLICATE_EVENT',
    ]);
  });

  it('400 naming the first bad index when any event breaks the schema; none of the batch is stored', async () => {
    const r = await batch(event({ id: 'a' }), event({ id: 'b' }), event({ id: 'c' }), event({ timestamp: 12 }));
    expect(r.status).toBe(400);
    expect(r.body.message).toBe('events[3].timestamp must be string');
    expect((await list()).body.events).toEqual([]);
    const empty = await mock.call('POST', '/ingestBatch', { body: { events: [] } });
    expect(empty.status).toBe(400);
    expect(empty.body.message).toMatch(/^events must have at least 1 item/);
  });
});

describe('getEvents', () => {
  it('filters by account, schema and status, oldest first', async () => {
    await mock.call('POST', '/credits', { body: { creditRequests: [creditRequest({ accountId: 'ACC2' })] } });
    await batch(
      event({ id: 'a' }),
      event({ id: 'b', accountId: 'ACC2' }),
      event({ id: 'c', schemaName: 'calls' }),
      event({ id: 'd', accountId: 'ACC2', schemaName: 'calls' }),
    );
    const ids = async (q: string) => (await list(q)).body.events.map((e: any) => e.eventPayload.id);
    expect(await ids('account_id=ACC2')).toEqual(['b', 'd']);
    expect(await ids('schema_name=calls')).toEqual(['c', 'd']);
    expect(await ids('account_id=ACC1&schema_name=calls')).toEqual(['c']);
    expect(await ids('account_id=NOBODY')).toEqual([]);
    // Statuses of Togai's the fake never gives match nothing; others are refused.
    expect(await ids('status=INGESTION_IN_PROGRESS')).toEqual([]);
    expect((await list('status=PROCESSED')).status).toBe(400);
  });

  it('pages of at most 50, continued by nextToken until none is left', async () => {
    const events = Array.from({ length: 120 }, (_, i) => event({ id: `p${i}` }));
    expect((await batch(...events)).status).toBe(202);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const r = await list(token === undefined ? 'account_id=ACC1' : `nextToken=${encodeURIComponent(token)}`);
      expect(r.status).toBe(200);
      expect(r.body.events.length).toBeLessThanOrEqual(50);
      seen.push(...r.body.events.map((e: any) => e.eventPayload.id));
      token = r.body.nextToken;
      pages++;
    } while (token !== undefined);
    expect(pages).toBe(3);
    expect(seen).toEqual(events.map((e) => e.id));
    expect((await list('pageSize=51')).status).toBe(400);
    expect((await list('pageSize=7')).body.events).toHaveLength(7);
    const bad = await list('nextToken=bm90LWEtdG9rZW4=');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^nextToken is malformed/);
  });
});

describe('getSingleEvent', () => {
  it('404 for an id never ingested', async () => {
    const r = await mock.call('GET', '/events/never');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ message: 'Event never does not exist' });
  });
});

describe('eventCorrection', () => {
  const correct = (action: string, e: Record<string, unknown> | undefined, extra = '') =>
    mock.call('POST', `/events/correction?action=${action}${extra}`, { body: e === undefined ? {} : { event: e } });

  it('UNDO reverts the event and frees its id', async () => {
    await ingest(event());
    const r = await correct('UNDO', event());
    expect(r.status).toBe(200);
    expect(r.body.data).toHaveLength(1);
    expect(r.body.data[0]).toMatchObject({
      status: 'REVERTED',
      referenceId: 'evt_0000000001',
      ingestionStatus: { status: 'REVERTED' },
    });
    const got = await mock.call('GET', '/events/e1');
    expect(got.body.events[0].eventPipelineInfo.statusBeforeReverting).toBe(COMPLETED);
    expect((await ingest(event())).body.success).toBe(true);
  });

  it('REDO ingests the stored payload again; REDO_EVENT the payload sent', async () => {
    await ingest(event());
    const redo = await correct('REDO', event({ attributes: [] }));
    expect(redo.body.data[0]).toMatchObject({ status: 'REVERTED_AND_REINGESTED', referenceId: 'evt_0000000002' });
    expect(redo.body.data[0].eventPayload.attributes).toEqual(event().attributes);
    const redoEvent = await correct(
      'REDO_EVENT',
      event({ attributes: [{ name: 'km', value: '3' }] }),
      '&require_confirmation=true',
    );
    expect(redoEvent.body.data[0].status).toBe('REVERTED_AND_REINGESTED');
    const got = await mock.call('GET', '/events/e1');
    expect(got.body.events[0].eventPayload.attributes).toEqual([{ name: 'km', value: '3' }]);
    expect((await list(`status=${COMPLETED}`)).body.events).toHaveLength(1);
    expect((await list('status=REVERTED')).body.events).toHaveLength(2);
  });

  it('FAILED when there is nothing to undo; 404 for an unknown id; 400 without an event', async () => {
    await ingest(event({ accountId: 'NOBODY' }));
    const failed = await correct('UNDO', event());
    expect(failed.status).toBe(200);
    expect(failed.body.data[0]).toMatchObject({
      status: 'FAILED',
      reason: expect.stringMatching(/no completed event/),
    });
    expect((await correct('UNDO', event({ id: 'zzz' }))).status).toBe(404);
    const none = await correct('UNDO', undefined);
    expect(none.status).toBe(400);
    expect(none.body.message).toMatch(/^event is required/);
    expect((await correct('SOMETHING', event())).status).toBe(400);
  });
});

describe('Prefer: code=', () => {
  it('answers a documented status of the event operations', async () => {
    const r = await ingest(event(), { prefer: 'code=507' });
    expect(r.status).toBe(507);
    expect(typeof r.body.message).toBe('string');
    expect((await list()).body.events).toEqual([]);
    expect((await mock.call('GET', '/events/e1', { headers: { prefer: 'code=404' } })).status).toBe(404);
  });
});

describe('snapshots', () => {
  it('GET /_mock/state and its import give back the same events, and the same rules afterwards', async () => {
    await batch(event({ id: 'a' }), event({ id: 'b', accountId: 'NOBODY' }));
    await mock.call('POST', '/events/correction?action=UNDO', { body: { event: event({ id: 'a' }) } });
    await ingest(event({ id: 'c' }));
    const before = await list();
    const state = await mock.call('GET', '/_mock/state');
    expect(state.status).toBe(200);
    await mock.reset();
    expect((await list()).body.events).toEqual([]);
    expect((await mock.call('PUT', '/_mock/state', { body: state.body })).status).toBeLessThan(300);
    expect(await list()).toMatchObject({ status: 200, body: before.body });
    expect((await ingest(event({ id: 'c' }))).body.code).toBe('INGESTION_FAILED_DUPLICATE_EVENT');
    expect((await ingest(event({ id: 'a' }))).body.success).toBe(true);
  });
});

describe('the cap', () => {
  it('507 naming the option when a batch would pass it; nothing of it stored', async () => {
    const small = await startTestMock({ maxEvents: 3 });
    await small.call('POST', '/credits', { body: { creditRequests: [creditRequest({ accountId: 'ACC1' })] } });
    small.setTime(NOW);
    expect(
      (await small.call('POST', '/ingestBatch', { body: { events: [event({ id: 'a' }), event({ id: 'b' })] } })).status,
    ).toBe(202);
    const over = await small.call('POST', '/ingestBatch', {
      body: { events: [event({ id: 'c' }), event({ id: 'd' })] },
    });
    expect(over.status).toBe(507);
    expect(over.body.message).toMatch(/--max-events/);
    const page = await small.call('GET', '/events');
    expect(page.body.events.map((e: any) => e.eventPayload.id)).toEqual(['a', 'b']);
    expect((await small.call('POST', '/ingest', { body: { event: event({ id: 'c' }) } })).status).toBe(202);
  });
});

describe('all or nothing', () => {
  it('a command that throws part-way changes nothing', async () => {
    // Past the HTTP schema check (a command from the log is applied the same way): the second event's timestamp is not
    // a date, found after the first event was stored.
    const applied = mock.runtime.engine.execute({
      type: 'ingest',
      tenant: 'shared',
      events: [event({ id: 'first' }) as never, event({ id: 'second', timestamp: 'not a date' }) as never],
      endpoint: 'ingestBatch',
    });
    await expect(applied).rejects.toThrow(/events\[1\]\.timestamp must be/);
    expect((await list()).body.events).toEqual([]);
    expect((await mock.call('GET', '/events/first')).status).toBe(404);
    expect((await ingest(event({ id: 'first' }))).body.success).toBe(true);
  });
});

describe('accounts from the directory', () => {
  it('an event names its account by an alias in effect at its timestamp, and is listed under the account', async () => {
    const added = await mock.call('POST', '/accounts/ACC1/add_aliases', {
      body: {
        accountAliases: [
          { value: 'acme-eu', effectiveFrom: '2024-05-01T00:00:00Z', effectiveUntil: '2024-06-01T00:00:00Z' },
        ],
      },
    });
    expect(added.status, added.text).toBe(200);
    const inside = await ingest(event({ id: 'by-alias', accountId: 'acme-eu', timestamp: '2024-05-31T23:59:59Z' }));
    expect(inside.body.success).toBe(true);
    const outside = await ingest(event({ id: 'late', accountId: 'acme-eu', timestamp: '2024-06-01T00:00:00Z' }));
    expect(outside.body.code).toBe('INGESTION_FAILED_ACCOUNT_NOT_FOUND');
    const listed = await list('account_id=ACC1');
    expect(listed.body.events.map((e: any) => [e.eventPayload.id, e.eventPayload.accountId])).toEqual([
      ['by-alias', 'acme-eu'],
    ]);
  });

  it('a deleted (ARCHIVED) account receives no events; its events stay listed', async () => {
    expect((await ingest(event({ id: 'before' }))).body.success).toBe(true);
    const deleted = await mock.call('DELETE', '/accounts/ACC1');
    expect(deleted.status, deleted.text).toBe(200);
    expect((await ingest(event({ id: 'after' }))).body.code).toBe('INGESTION_FAILED_ACCOUNT_NOT_FOUND');
    expect((await list('account_id=ACC1')).body.events.map((e: any) => e.eventPayload.id)).toEqual(['before', 'after']);
  });
});

describe('the duplicate window follows the fake clock', () => {
  it('an id is refused until 45 days after its completed event, then accepted', async () => {
    expect((await ingest(event())).body.success).toBe(true);
    mock.setTime('2024-07-16T11:59:59.999Z');
    expect((await ingest(event({ timestamp: '2024-07-16T11:00:00Z' }))).body.code).toBe(
      'INGESTION_FAILED_DUPLICATE_EVENT',
    );
    mock.setTime('2024-07-16T12:00:00Z');
    expect((await ingest(event({ timestamp: '2024-07-16T11:00:00Z' }))).body.success).toBe(true);
  });
});

describe('a restart from a compacted state file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'togai-mock-events-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds every event, in its order and with its status, across more than one snapshot part', async () => {
    const file = join(dir, 'state.json');
    // A snapshot every few commands: the restart reads the events back from snapshot parts, not from the log.
    const first = await startTestMock({ stateFile: file, stateSnapshotEvery: 2 });
    first.setTime(NOW);
    expect(
      (await first.call('POST', '/credits', { body: { creditRequests: [creditRequest({ accountId: 'ACC1' })] } }))
        .status,
    ).toBe(200);
    // 1,500 events: two parts of events (1,000 a part), with failed ones among them.
    for (let b = 0; b < 3; b++) {
      const events = Array.from({ length: 500 }, (_, i) =>
        event({ id: `p${b}-${i}`, accountId: i % 50 === 0 ? 'NOBODY' : 'ACC1' }),
      );
      expect([202, 207]).toContain((await first.call('POST', '/ingestBatch', { body: { events } })).status);
    }
    const read = async (m: TestMock) => {
      const pages: unknown[] = [];
      let token: string | undefined;
      do {
        const r = await m.call('GET', `/events?pageSize=50${token ? `&nextToken=${token}` : ''}`);
        pages.push(r.body.events);
        token = r.body.nextToken;
      } while (token !== undefined);
      return pages.flat();
    };
    const before = await read(first);
    expect(before).toHaveLength(1500);
    await first.close();
    const second = await startTestMock({ stateFile: file });
    expect(await read(second)).toEqual(before);
    // The duplicate rule still knows the ids that came back.
    const again = await second.call('POST', '/ingest', { body: { event: event({ id: 'p0-1' }) } });
    expect(again.body.code).toBe('INGESTION_FAILED_DUPLICATE_EVENT');
    await second.close();
  });
});
