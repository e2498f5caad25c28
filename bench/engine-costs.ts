// What a change costs now that changes are commands over a log (issue 13),
// side by side in one run: the built togai-mock (dist/) in child processes,
// one keeping its state in memory and one with a state file, driven over
// HTTP from this process.
//
// - a grant (POST /credits, one credit) with 100k credits stored: sequential
//   latency, and throughput with 32 clients at once (group commit);
// - seeding 10k credits and a provider-state setup (and a refused one) on an
//   empty store and at 100k credits (and 1M with --big).
//
//   npm run build && npx tsx bench/engine-costs.ts [--big] [--grants=N]

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Map(process.argv.slice(2).map((a) => [a.replace(/^--/, '').split('=')[0]!, a.split('=')[1] ?? 'true']));
const BIG = args.get('big') === 'true';
const GRANTS = Number(args.get('grants') ?? 300);
const AUTH = { authorization: 'Bearer bench', 'content-type': 'application/json' };

interface Mock {
  name: string;
  url: string;
  proc: ChildProcess;
}

async function startMock(name: string, env: Record<string, string>): Promise<Mock> {
  const proc = spawn(process.execPath, ['dist/cli.js'], {
    cwd: ROOT,
    env: { ...process.env, TOGAI_MOCK_PORT: '0', TOGAI_MOCK_LOG_LEVEL: 'warn', TOGAI_MOCK_JOURNAL_LIMIT: '0', ...env },
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

async function call(mock: Mock, method: string, path: string, body?: unknown): Promise<{ status: number; ms: number; json: any }> {
  const t0 = performance.now();
  const res = await fetch(`${mock.url}${path}`, { method, headers: AUTH, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  const ms = performance.now() - t0;
  return { status: res.status, ms, json: text === '' ? undefined : JSON.parse(text) };
}

async function must(mock: Mock, method: string, path: string, body?: unknown, status = 200): Promise<number> {
  const r = await call(mock, method, path, body);
  if (r.status !== status) throw new Error(`${mock.name}: ${method} ${path} answered ${r.status}: ${JSON.stringify(r.json)}`);
  return r.ms;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p99 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))]!;
const fmt = (ms: number): string => (ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0));

let grantNo = 0;
const grant = () => ({
  creditRequests: [{ accountId: `g-${grantNo % 500}`, purpose: 'P', effectiveFrom: '2024-01-01', creditAmount: 100, priority: 1, idempotencyKey: `k-${grantNo++}` }],
});

/** Grows the shared tenant to `total` credits with seed calls of up to 100k credits each. */
async function fillTo(mock: Mock, total: number, have: number): Promise<number> {
  let n = have;
  let seed = 1000;
  while (n < total) {
    const accounts = Math.min(1000, Math.ceil((total - n) / 100));
    await must(mock, 'POST', '/_mock/seed', { seed: seed++, accounts, creditsPerAccount: 100 });
    n += accounts * 100;
  }
  return n;
}

/** One seed of 10k credits, one provider-state setup, one refused, one teardown. */
async function changeCosts(mock: Mock, tag: string): Promise<Record<string, number>> {
  const seedMs = await must(mock, 'POST', '/_mock/seed', { seed: 7, accounts: 100, creditsPerAccount: 100 });
  const params = { accountId: `ps-${tag}`, creditId: `cred.benchState${tag.padStart(3, '0').slice(-3)}.00001` };
  const setups: number[] = [];
  const refused: number[] = [];
  for (let i = 0; i < 5; i++) {
    const p = { ...params, creditId: `cred.bench${tag.padStart(6, '0').slice(-6)}.${String(i).padStart(5, '0')}` };
    setups.push(await must(mock, 'POST', '/_mock/provider-states', { state: 'an account has an active credit', params: p }));
    // The same credit id again: refused (409) after looking, nothing changes.
    refused.push(await must(mock, 'POST', '/_mock/provider-states', { state: 'a credit is voided', params: p }, 409));
    await must(mock, 'POST', '/_mock/provider-states', { state: 'an account has an active credit', params: p, action: 'teardown' });
  }
  return { seed10k: seedMs, providerSetup: median(setups), providerRefused: median(refused) };
}

async function grantCosts(mock: Mock): Promise<Record<string, number>> {
  for (let i = 0; i < 30; i++) await must(mock, 'POST', '/credits', grant()); // warm-up
  const times: number[] = [];
  for (let i = 0; i < GRANTS; i++) times.push(await must(mock, 'POST', '/credits', grant()));
  const clients = 32;
  const each = Math.max(10, Math.floor(GRANTS / 4));
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = 0; i < each; i++) await must(mock, 'POST', '/credits', grant());
    }),
  );
  const perSecond = (clients * each) / ((performance.now() - t0) / 1000);
  return { grantMedian: median(times), grantP99: p99(times), grantsPerSecond32: perSecond };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'togai-mock-engine-costs-'));
  const mocks = [await startMock('memory', {}), await startMock('state file', { TOGAI_MOCK_STATE_FILE: join(dir, 'state.json') })];
  const rows: Record<string, Record<string, number>> = {};
  try {
    for (const m of mocks) {
      const r: Record<string, number> = {};
      const empty = await changeCosts(m, `e${m.name.length}`);
      for (const [k, v] of Object.entries(empty)) r[`${k} @empty`] = v;
      const t0 = performance.now();
      let n = await fillTo(m, 100_000, 10_000 + 10);
      r['fill to 100k (s)'] = (performance.now() - t0) / 1000;
      Object.assign(r, await grantCosts(m));
      const at100k = await changeCosts(m, `h${m.name.length}`);
      for (const [k, v] of Object.entries(at100k)) r[`${k} @100k`] = v;
      if (BIG) {
        n = await fillTo(m, 1_000_000, n + 10_000 + GRANTS * 2);
        const at1m = await changeCosts(m, `m${m.name.length}`);
        for (const [k, v] of Object.entries(at1m)) r[`${k} @1M`] = v;
        const g = await grantCosts(m);
        r['grantMedian @1M'] = g.grantMedian!;
      }
      rows[m.name] = r;
    }
  } finally {
    for (const m of mocks) m.proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    rmSync(dir, { recursive: true, force: true });
  }
  const keys = Object.keys(rows.memory!);
  console.log(`| ms (median unless noted) | memory | state file | file / memory |`);
  console.log(`| --- | --- | --- | --- |`);
  for (const k of keys) {
    const a = rows.memory![k]!;
    const b = rows['state file']![k]!;
    console.log(`| ${k} | ${fmt(a)} | ${fmt(b)} | ${(b / a).toFixed(2)}x |`);
  }
}

await main();
