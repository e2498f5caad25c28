// Bench-only entry: starts the BUILT togai-mock (dist/) in production mode and,
// before it listens, preloads the shared tenant's ledger directly (not over
// HTTP) with BENCH_CREDITS credits spread over accounts of BENCH_PER_ACCOUNT
// credits each. Prints one JSON line on stdout when ready, naming what the
// benchmark scenarios should ask for. Production code stays free of any
// preload option: everything here goes through the ledger's public API.

import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { resolveOptions } from '../../dist/options.js';
import { MockRuntime } from '../../dist/runtime.js';
import { SHARED_TENANT } from '../../dist/store/store.js';

// dist/app.js since the layering of issue 12; a --baseline build from before it has dist/http/app.js.
const appModule = existsSync(new URL('../../dist/app.js', import.meta.url)) ? '../../dist/app.js' : '../../dist/http/app.js';
const { createApp } = await import(appModule);

const total = Number(process.env.BENCH_CREDITS ?? '1000');
const perAccount = Number(process.env.BENCH_PER_ACCOUNT ?? '100');
const port = Number(process.env.PORT ?? '0');
const BATCH = 1000;

const started = process.hrtime.bigint();
// The same runtime + app that startServer() builds (src/server.ts), with the
// ledger filled before the server listens.
const runtime = new MockRuntime(
  resolveOptions({ port, host: '127.0.0.1', logLevel: 'warn', validateResponses: false, seed: 42 }),
);
const ledger = runtime.store.tenant(SHARED_TENANT).ledger;
const now = Date.now();
const accounts = Math.max(1, Math.ceil(total / perAccount));
const accountId = (i) => `bench-acct-${String(i).padStart(7, '0')}`;
let probeCredit;
let made = 0;
for (let a = 0; a < accounts && made < total; a++) {
  const n = Math.min(perAccount, total - made);
  for (let off = 0; off < n; off += BATCH) {
    const requests = [];
    for (let k = off; k < Math.min(n, off + BATCH); k++) {
      requests.push({
        accountId: accountId(a),
        purpose: 'PREPAID_CREDIT',
        effectiveFrom: '2024-01-01',
        effectiveUntil: '2099-12-31',
        creditAmount: 100 + (k % 50),
        priority: k % 3,
      });
    }
    const credits = ledger.grant(requests, now);
    // The probe credit sits in the middle of the store, not at either end.
    if (a === Math.floor(accounts / 2) && off === 0) probeCredit = credits[0].id;
  }
  made += n;
}
const preloadMs = Number(process.hrtime.bigint() - started) / 1e6;
globalThis.gc?.();

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
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
