// What a change costs now that changes are commands over a log,
// side by side in one run: the built togai-mock (dist/) in two child
// processes, one keeping its state in memory and one with a state file,
// driven over HTTP from this process. Tenants are isolated, so the "empty"
// measurements run on a tenant of their own next to the big one.
//
// - a grant (POST /credits, one credit) with 100k credits stored: latency
//   with one client (every grant is its own fsync) and throughput with 32
//   (grants that arrive together share one fsync), with autocannon;
// - seeding 10k credits, and a provider-state setup (and one refused), on an
//   empty tenant and on the tenant holding 100k credits (and 1M with --big).
//
//   npm run build && npx tsx bench/engine-costs.ts [--big] [--seconds=N]

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Map(
  process.argv.slice(2).map((a) => [a.replace(/^--/, '').split('=')[0]!, a.split('=')[1] ?? 'true']),
);
const BIG = args.get('big') === 'true';
const SECONDS = Number(args.get('seconds') ?? 5);

interface Mock {
  name: string;
  url: string;
  proc: ChildProcess;
}

async function startMock(name: string, env: Record<string, string>): Promise<Mock> {
  const proc = spawn(process.execPath, ['dist/cli.js'], {
    cwd: ROOT,
    env: {
      ...process.env,
      TOGAI_MOCK_PORT: '0',
      TOGAI_MOCK_LOG_LEVEL: 'warn',
      TOGAI_MOCK_JOURNAL_LIMIT: '0',
      TOGAI_MOCK_ISOLATE_TENANTS: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((ok, fail) => {
    let buf = '';
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /listening on (\S+)/.exec(buf);
      if (m) ok(m[1]!);
    });
    proc.once('exit', (code) => fail(new Error(`${name} exited with ${code}`)));
  });
  return { name, url, proc };
}

/** A control call on `tenant` (the tenant of the Togai credential of the same name); its time in ms. */
async function control(mock: Mock, tenant: string, path: string, body: unknown, status = 200): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${mock.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-mock-tenant': tenant },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const ms = performance.now() - t0;
  if (res.status !== status) throw new Error(`${mock.name}: POST ${path} answered ${res.status}: ${text}`);
  return ms;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (v: number): string => (v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0));

/** Grows a tenant to `total` credits with seed calls of up to 100k credits each. */
async function fillTo(mock: Mock, tenant: string, total: number, have: number): Promise<number> {
  let n = have;
  let seed = 1000;
  while (n < total) {
    const accounts = Math.min(1000, Math.ceil((total - n) / 100));
    await control(mock, tenant, '/_mock/seed', { seed: seed++, accounts, creditsPerAccount: 100 });
    n += accounts * 100;
  }
  return n;
}

let stateNo = 0;
/** One seed of 10k credits; provider-state setups (each torn down again) and refused ones, median of 9. */
async function changeCosts(mock: Mock, tenant: string): Promise<Record<string, number>> {
  const seedMs = await control(mock, tenant, '/_mock/seed', { seed: 7, accounts: 100, creditsPerAccount: 100 });
  const setups: number[] = [];
  const refused: number[] = [];
  for (let i = 0; i < 9; i++) {
    const params = {
      accountId: `ps-${stateNo}`,
      creditId: `cred.benchState${String(stateNo++ % 10)}.${String(i).padStart(5, '0')}`,
    };
    setups.push(
      await control(mock, tenant, '/_mock/provider-states', { state: 'an account has an active credit', params }),
    );
    // The same credit id for another state: refused (409), nothing changes.
    refused.push(await control(mock, tenant, '/_mock/provider-states', { state: 'a credit is voided', params }, 409));
    await control(mock, tenant, '/_mock/provider-states', {
      state: 'an account has an active credit',
      params,
      action: 'teardown',
    });
  }
  return {
    'seed 10k credits (ms)': seedMs,
    'provider-state setup (ms)': median(setups),
    'provider-state setup refused (ms)': median(refused),
  };
}

/** Grants of one credit each (no idempotency key: every one is stored) on `tenant`, with autocannon. */
async function grants(
  mock: Mock,
  tenant: string,
  connections: number,
): Promise<{ rps: number; mean: number; p99: number }> {
  const r = await autocannon({
    url: `${mock.url}/credits`,
    method: 'POST',
    connections,
    duration: SECONDS,
    headers: { authorization: `Bearer ${tenant}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      creditRequests: [
        { accountId: 'bench-grants', purpose: 'P', effectiveFrom: '2024-01-01', creditAmount: 100, priority: 1 },
      ],
    }),
  });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${mock.name}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
  return { rps: r.requests.average, mean: r.latency.average, p99: r.latency.p99 };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'togai-mock-engine-costs-'));
  const mocks = [
    await startMock('memory', {}),
    await startMock('state file', { TOGAI_MOCK_STATE_FILE: join(dir, 'state.json') }),
  ];
  const rows: Record<string, Record<string, number>> = {};
  try {
    for (const m of mocks) {
      const r: Record<string, number> = {};
      // Warm-up on a tenant of its own (Faker loaded, code compiled).
      await changeCosts(m, 'warm-up');
      for (const [k, v] of Object.entries(await changeCosts(m, 'empty'))) r[`${k}, empty tenant`] = v;
      const t0 = performance.now();
      let n = await fillTo(m, 'big', 100_000, 0);
      r['fill the big tenant to 100k credits (s)'] = (performance.now() - t0) / 1000;
      await grants(m, 'big', 1); // warm-up
      const one = await grants(m, 'big', 1);
      r['grant at 100k, 1 client: mean (ms)'] = one.mean;
      r['grant at 100k, 1 client: p99 (ms)'] = one.p99;
      r['grant at 100k, 1 client: req/s'] = one.rps;
      r['grant at 100k, 32 clients: req/s'] = (await grants(m, 'big', 32)).rps;
      for (const [k, v] of Object.entries(await changeCosts(m, 'big'))) r[`${k}, at 100k`] = v;
      if (BIG) {
        n = await fillTo(m, 'big', 1_000_000, n + 10_000);
        for (const [k, v] of Object.entries(await changeCosts(m, 'big'))) r[`${k}, at 1M`] = v;
        r['grant at 1M, 1 client: mean (ms)'] = (await grants(m, 'big', 1)).mean;
        r['grant at 1M, 32 clients: req/s'] = (await grants(m, 'big', 32)).rps;
      }
      rows[m.name] = r;
    }
  } finally {
    for (const m of mocks) m.proc.kill('SIGTERM');
    await new Promise((done) => setTimeout(done, 1000));
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('| measure | memory | state file | state file / memory |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const k of Object.keys(rows.memory!)) {
    const a = rows.memory![k]!;
    const b = rows['state file']![k]!;
    console.log(`| ${k} | ${fmt(a)} | ${fmt(b)} | ${(b / a).toFixed(2)} |`);
  }
}

await main();
