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
const preloadMs = Number(process.hrtime.bigint() - started) / 1e6;
globalThis.gc?.();
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
    })}\n`,
  );
});
const stop = () =>
  server.close(() => (durable ? runtime.engine.close() : Promise.resolve()).finally(() => process.exit(0)));
// Keep-alive sockets of the load generator would hold close() open.
const closeIdle = () => server.closeIdleConnections?.();
process.once('SIGTERM', () => (stop(), closeIdle()));
process.once('SIGINT', () => (stop(), closeIdle()));
