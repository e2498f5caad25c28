// Bench-only entry: starts the BUILT togai-mock (dist/) in production mode and,
// before it listens, preloads the shared tenant's ledger directly (not over
// HTTP) with BENCH_CREDITS credits spread over accounts of BENCH_PER_ACCOUNT
// credits each. Prints one JSON line on stdout when ready, naming what the
// benchmark scenarios should ask for. Production code stays free of any
// preload option: everything here goes through the ledger's public API.
//
// With BENCH_STATE_FILE or BENCH_REDIS_URL (+ BENCH_REDIS_PREFIX) the mock
// keeps its state there, as TOGAI_MOCK_STATE_FILE / TOGAI_MOCK_REDIS_URL
// would: the log is opened first (what it holds is loaded, and then nothing is
// preloaded: a replica joining a filled Redis), else one grant goes through
// the engine (the log's first entry), the rest straight into the ledger, and
// the whole state is then written as the log's snapshot, so the mock runs on
// a real log whose snapshot holds the credits. BENCH_EXIT=1 stops after that
// (a state file or Redis prefix made for a start-up measurement).
//
// BENCH_DIR_ACCOUNTS and BENCH_EVENTS (in memory only) fill the tenant's
// directory with that many accounts (each with its own customer) and its
// event store with that many events, BENCH_EVENTS_PER_ACCOUNT (100) to each
// of the first accounts, interleaved as a usage integration sends them (one
// account's events lie spread over the whole store). BENCH_MAX_EVENTS raises
// the event cap, for the ingestion cells that keep adding. The ready line
// then also names the RSS the events added, and the probes of their cells.

import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { resolveOptions } from '../../dist/options.js';
import { MockRuntime } from '../../dist/runtime.js';

/** The first of `paths` (relative to this file) that the build has: a --baseline build may be laid out as before. */
const built = (...paths) => paths.find((p) => existsSync(new URL(p, import.meta.url))) ?? paths[0];
// dist/app.js since the app moved out of http/; an older build has dist/http/app.js.
const { createApp } = await import(built('../../dist/app.js', '../../dist/http/app.js'));
// The state machine's modules moved into store/machine/; an older build has them in store/.
const { SHARED_TENANT } = await import(built('../../dist/store/machine/store.js', '../../dist/store/store.js'));

const total = Number(process.env.BENCH_CREDITS ?? '1000');
const perAccount = Number(process.env.BENCH_PER_ACCOUNT ?? '100');
const port = Number(process.env.PORT ?? '0');
const BATCH = 1000;

const stateFile = process.env.BENCH_STATE_FILE || undefined;
const redisUrl = process.env.BENCH_REDIS_URL || undefined;
const durable = stateFile !== undefined || redisUrl !== undefined;

const started = process.hrtime.bigint();
// The same runtime + app that startServer() builds (src/server.ts), with the
// ledger filled before the server listens.
const runtime = new MockRuntime(
  resolveOptions({
    port,
    host: '127.0.0.1',
    logLevel: 'warn',
    validateResponses: false,
    seed: 42,
    ...(process.env.BENCH_MAX_EVENTS ? { maxEvents: Number(process.env.BENCH_MAX_EVENTS) } : {}),
    ...(stateFile !== undefined ? { stateFile } : {}),
    ...(redisUrl !== undefined ? { redisUrl, redisPrefix: process.env.BENCH_REDIS_PREFIX ?? 'togai-mock' } : {}),
  }),
);
const accounts = Math.max(1, Math.ceil(total / perAccount));
const accountId = (i) => `bench-acct-${String(i).padStart(7, '0')}`;
let fill = total;
if (durable) {
  // Modules of the engine's time only (a --baseline build has no state file path to take).
  const { prepareState } = await import('../../dist/control/startup.js');
  await prepareState(runtime);
  if (runtime.store.tenant(SHARED_TENANT).ledger.creditCount > 0) fill = 0;
  else {
    await runtime.engine.execute({ type: 'grant', tenant: SHARED_TENANT, requests: [grantRequest('bench-first', 0)] });
  }
}
const ledger = runtime.store.tenant(SHARED_TENANT).ledger;
const now = Date.now();
let probeCredit;
let made = 0;
for (let a = 0; a < accounts && made < fill; a++) {
  const n = Math.min(perAccount, total - made);
  for (let off = 0; off < n; off += BATCH) {
    const requests = [];
    for (let k = off; k < Math.min(n, off + BATCH); k++) {
      requests.push(grantRequest(accountId(a), k));
    }
    const credits = ledger.grant(requests, now);
    // The probe credit sits in the middle of the store, not at either end.
    if (a === Math.floor(accounts / 2) && off === 0) probeCredit = credits[0].id;
  }
  made += n;
}
function grantRequest(account, k) {
  return {
    accountId: account,
    purpose: 'PREPAID_CREDIT',
    effectiveFrom: '2024-01-01',
    effectiveUntil: '2099-12-31',
    creditAmount: 100 + (k % 50),
    priority: k % 3,
  };
}
if (durable && fill > 0) {
  // The whole state as the log's snapshot at its last entry: what a compaction writes.
  const { snapshotParts } = await import(built('../../dist/store/machine/snapshot.js', '../../dist/store/snapshot.js'));
  const seq = runtime.engine.appliedSeq;
  await runtime.engine.log.writeSnapshot(seq, snapshotParts(runtime.state, seq, Date.now()));
}
if (probeCredit === undefined && total > 0) {
  // Loaded from the log: the probe account's first credit, as the filling process named it.
  const page = ledger.list({ accountId: accountId(Math.floor(accounts / 2)), pageSize: 1 }, Date.now());
  probeCredit = page.credits[0]?.id;
}
const extra = preloadDirectoryAndEvents();
const preloadMs = Number(process.hrtime.bigint() - started) / 1e6;
globalThis.gc?.();

/** The directory's accounts and the events (BENCH_DIR_ACCOUNTS, BENCH_EVENTS), through the domain's own API. */
function preloadDirectoryAndEvents() {
  const dirAccounts = Number(process.env.BENCH_DIR_ACCOUNTS ?? '0');
  const totalEvents = Number(process.env.BENCH_EVENTS ?? '0');
  if (dirAccounts === 0 && totalEvents === 0) return {};
  const perAccount = Number(process.env.BENCH_EVENTS_PER_ACCOUNT ?? '100');
  const tenant = runtime.store.tenant(SHARED_TENANT);
  const at = tenant.clock.now();
  const dirId = (i) => `bench-dir-${String(i).padStart(7, '0')}`;
  const createAccount = (i) =>
    tenant.directory.createCustomer(
      {
        id: `bench-cust-${String(i).padStart(7, '0')}`,
        name: `Bench customer ${i}`,
        primaryEmail: `c${i}@bench.example`,
        address: {},
        account: { id: dirId(i), name: `Bench account ${i}` },
      },
      at,
    );
  // The accounts the events name first, then the events, then the other accounts: the RSS between is a
  // process holding the events and only the accounts they need.
  const eventAccounts = Math.max(1, Math.min(dirAccounts, Math.ceil(totalEvents / perAccount)));
  for (let i = 0; i < eventAccounts; i++) createAccount(i);
  globalThis.gc?.();
  const before = process.memoryUsage();
  for (let i = 0; i < totalEvents; i += 1000) {
    const batch = [];
    for (let j = i; j < Math.min(i + 1000, totalEvents); j++) batch.push(eventOf(j, dirId(j % eventAccounts), at));
    // As a command reaches the store: parsed from JSON text (flat strings, as a request's are).
    const parsed = JSON.parse(JSON.stringify(batch));
    const outcomes = tenant.events.atomically(() => tenant.events.ingest(parsed, at, tenant.directory));
    if (outcomes[0].status !== 'INGESTION_COMPLETED_NO_MATCHING_METERS')
      throw new Error(`preload: ${outcomes[0].status}`);
  }
  globalThis.gc?.();
  const after = process.memoryUsage();
  for (let i = eventAccounts; i < dirAccounts; i++) createAccount(i);
  return {
    events: tenant.events.size,
    dirAccounts: tenant.directory.accountCount,
    eventAccounts,
    rssWithEventsMb: after.rss / 2 ** 20,
    eventsRssMb: (after.rss - before.rss) / 2 ** 20,
    eventsHeapMb: (after.heapUsed + after.external - before.heapUsed - before.external) / 2 ** 20,
    probeEventAccount: dirId(Math.floor(eventAccounts / 2)),
    // A page from the middle of the accounts (the first page would cost the same at any size anyway).
    probeAccountsToken:
      dirAccounts > 1
        ? Buffer.from(
            JSON.stringify({ lastItemId: dirId(Math.floor(dirAccounts / 2)), pageSize: 50, sortOrder: 'asc' }),
          ).toString('base64')
        : undefined,
  };
}

/** What a usage integration sends: a UUID-like id, a timestamp of the last day, two attributes, a dimension. */
function eventOf(i, accountId, at) {
  const h = Math.imul(i + 1, 0x9e3779b1) >>> 0;
  const hex = (n, w) => (n >>> 0).toString(16).padStart(w, '0').slice(-w);
  return {
    id: `${hex(h, 8)}-${hex(i, 4)}-4${hex(h >>> 8, 3)}-a${hex(i >>> 4, 3)}-${hex(h ^ i, 8)}${hex(i, 4)}`,
    accountId,
    schemaName: `schema_${i % 5}`,
    timestamp: new Date(at - (i % 86_400) * 1000).toISOString(),
    attributes: [
      { name: 'requests', value: String(i % 97), unit: 'count' },
      { name: 'bytes', value: String((i * 31) % 100_000) },
    ],
    dimensions: { region: i % 2 === 0 ? 'eu-west-1' : 'us-east-1' },
  };
}
if (process.env.BENCH_EXIT === '1') {
  await runtime.engine.close();
  process.stdout.write(
    `${JSON.stringify({ ready: true, port: 0, credits: ledger.creditCount, accounts: ledger.accountCount, preloadMs: Math.round(preloadMs), probeAccount: accountId(Math.floor(accounts / 2)), probeCredit })}\n`,
  );
  process.exit(0);
}

const server = createServer(createApp(runtime));
server.headersTimeout = 10_000;
server.requestTimeout = 30_000;
server.keepAliveTimeout = 5_000;
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(
    `${JSON.stringify({
      ready: true,
      port: server.address().port,
      credits: ledger.creditCount,
      accounts: ledger.accountCount,
      preloadMs: Math.round(preloadMs),
      probeAccount: accountId(Math.floor(accounts / 2)),
      probeCredit,
      ...extra,
    })}\n`,
  );
});
const stop = () =>
  server.close(() => (durable ? runtime.engine.close() : Promise.resolve()).finally(() => process.exit(0)));
// Keep-alive sockets of the load generator would hold close() open.
const closeIdle = () => server.closeIdleConnections?.();
process.once('SIGTERM', () => (stop(), closeIdle()));
process.once('SIGINT', () => (stop(), closeIdle()));
