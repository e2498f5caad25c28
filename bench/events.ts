// The event store's own costs, without HTTP: what a stored event costs in
// memory (RSS for 1M events), what a page of one account's events costs at
// 1k stored events and at 1M (the per-account index should make them about
// equal), and how fast batches of 100 are stored. Run with
// `npx tsx bench/events.ts` (EVENTS=<n> to store another number).
//
// The events are what a usage integration sends: a UUID-like id, one of
// 1000 accounts, one of 5 schemas, a timestamp, two attributes, a dimension.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { EventStore, type EventAccountLookup, type EventPayload } from '../src/domain/events/event-store.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const TOTAL = Number(process.env.EVENTS ?? 1_000_000);
const ACCOUNTS = 1000;
const NOW = Date.parse('2024-06-01T12:00:00Z');
const lookup: EventAccountLookup = { resolveForEvent: (id) => ({ accountId: id, status: 'ACTIVE' }) };

function hex(n: number, width: number): string {
  return (n >>> 0).toString(16).padStart(width, '0').slice(-width);
}

function eventOf(i: number, accounts: number): EventPayload {
  const h = Math.imul(i + 1, 0x9e3779b1);
  return {
    id: `${hex(h, 8)}-${hex(i, 4)}-4${hex(h >>> 8, 3)}-a${hex(i >>> 4, 3)}-${hex(h ^ i, 8)}${hex(i, 4)}`,
    accountId: `ACC${String(i % accounts).padStart(4, '0')}`,
    schemaName: `schema_${i % 5}`,
    timestamp: new Date(NOW - (i % 86_400) * 1000).toISOString(),
    attributes: [
      { name: 'requests', value: String(i % 97), unit: 'count' },
      { name: 'bytes', value: String((i * 31) % 100_000) },
    ],
    dimensions: { region: i % 2 === 0 ? 'eu-west-1' : 'us-east-1' },
  };
}

/** Stores `n` events in batches of 100; answers events/s. */
function fill(store: EventStore, from: number, n: number, accounts: number): number {
  const started = process.hrtime.bigint();
  for (let i = from; i < from + n; i += 100) {
    const batch: EventPayload[] = [];
    for (let j = i; j < Math.min(i + 100, from + n); j++) batch.push(eventOf(j, accounts));
    // Each batch as a command would be: parsed from its JSON text, then stored all or nothing.
    const parsed = JSON.parse(JSON.stringify(batch)) as EventPayload[];
    store.atomically(() => store.ingest(parsed, NOW, lookup));
  }
  const s = Number(process.hrtime.bigint() - started) / 1e9;
  return n / s;
}

/** Median microseconds of one 50-event page of one account's events (pages 1 and 2, cursor by position). */
function pageMicros(store: EventStore, rounds: number, accounts: number): number {
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const accountId = `ACC${String((r * 7) % accounts).padStart(4, '0')}`;
    const started = process.hrtime.bigint();
    let page = store.list({ accountId, pageSize: 50 });
    for (let p = 0; p < 1 && page.next !== undefined; p++) {
      const after = Number(page.next.slice(4)) - 1;
      page = store.list({ accountId, pageSize: 50, after });
    }
    // What the handler does with a page: one JSON text.
    JSON.stringify(page.events);
    times.push(Number(process.hrtime.bigint() - started) / 1000 / 2);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

gc();
const rssBefore = process.memoryUsage().rss;
const store = new EventStore({ maxEvents: TOTAL + 1000 });
// 1k events in 10 accounts: each has the two pages the measure reads, as each of the million's 1000 accounts has.
const small = new EventStore();
fill(small, 0, 1000, 10);

const rate = fill(store, 0, TOTAL, ACCOUNTS);
gc();
const rssAfter = process.memoryUsage().rss;
// Alternating rounds, so that a busy moment of a shared machine weighs on both sides alike.
const smallRounds: number[] = [];
const largeRounds: number[] = [];
for (let round = 0; round < 7; round++) {
  smallRounds.push(pageMicros(small, 500, 10));
  largeRounds.push(pageMicros(store, 500, ACCOUNTS));
}
const pageSmall = median(smallRounds);
const pageLarge = median(largeRounds);
const smallSize = small.size;

console.log(
  `events stored: ${store.size.toLocaleString('en')} (batches of 100: ${Math.round(rate).toLocaleString('en')} events/s)`,
);
console.log(
  `RSS: ${mb(rssBefore)} before, ${mb(rssAfter)} after: ` +
    `${Math.round((rssAfter - rssBefore) / TOTAL)} bytes per event; heap used ${mb(process.memoryUsage().heapUsed)}`,
);
console.log(
  `GET /events?account_id= page of 50 (domain + JSON, median of 7 alternating rounds): ${pageSmall.toFixed(1)} us at ${smallSize.toLocaleString('en')} events, ` +
    `${pageLarge.toFixed(1)} us at ${store.size.toLocaleString('en')} (${((pageSmall / pageLarge) * 100).toFixed(0)} % of the small store's speed)`,
);
