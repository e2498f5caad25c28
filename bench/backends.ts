// The backends section of `npm run bench`: what keeping state in a log costs,
// side by side in one run. Every mock here is the built togai-mock started by
// bench/servers/togai-preload.mjs (the credits put in before it listens; with
// a state file or Redis, written as the log's snapshot, so the mock runs on a
// real log), pinned like the rest of the benchmark (servers core 0, load
// generator core 1), plus a redis-server of our own (Debian's, a free port in
// a temporary directory, appendonly yes + appendfsync always, pinned to core
// 0 with the servers; stopped by its PID at the end).
//
// 1. grants (1 and many clients) and reads on an in-memory mock, a mock with
//    a state file and one Redis replica, each holding `credits` (100k);
// 2. reads on two Redis replicas at once, one per core, against one replica
//    alone in the same arrangement;
// 3. seeding 10k credits and a provider-state setup on an empty store and at
//    `big` (1M) credits;
// 4. start-up of `node dist/cli.js` on a state file, and as a replica joining
//    a Redis prefix, each holding `big` credits.

import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestRedis, redisAvailable } from '../test/helpers/redis.js';
import {
  cpuMs,
  freePort,
  load,
  loadavg,
  log,
  median,
  pin,
  PIN,
  ROOT,
  rssMb,
  startReporting,
  startTogaiCli,
  stop,
  type Cell,
  GRANT_BODY,
} from './procs.js';

export interface BackendOptions {
  quick: boolean;
  duration: number;
  warmup: number;
  runs: number;
  connections: number;
  /** Credits in the mocks whose grants and reads are compared (100k). */
  credits: number;
  /** Credits of the big store: seeds and provider states, start-up (1M). */
  big: number;
  perAccount: number;
  /** Provider-state setups measured per store (median). */
  stateRuns: number;
  /** Seeds of 10k credits measured per store (median). */
  seedRuns: number;
  startupRuns: number;
  /** Which parts run (all by default): a preliminary run may take only the reads and grants. */
  parts: BackendPart[];
}

export const BACKEND_PARTS = ['reads', 'pair', 'grants', 'control', 'startup'] as const;
export type BackendPart = (typeof BACKEND_PARTS)[number];

export function parseParts(names: string[]): BackendPart[] {
  for (const n of names)
    if (!(BACKEND_PARTS as readonly string[]).includes(n))
      throw new Error(`unknown backend part ${n} (${BACKEND_PARTS.join(', ')})`);
  return names as BackendPart[];
}

export interface LatencyCell extends Cell {
  /** Mean latency, ms (autocannon's average). */
  mean: number;
}

export interface BackendReport {
  options: BackendOptions;
  skipped?: string;
  loadavg: Record<string, string>;
  preload: Array<{ label: string; credits: number; ms: number; rssMb: number }>;
  /** cells[cell name][instance label] */
  cells: Record<string, Record<string, LatencyCell>>;
  /** Control calls in ms, all samples: control[measure][store label]. */
  control: Record<string, Record<string, number[]>>;
  startup: Array<{ what: string; ms: number[]; rssMb: number[]; size?: string }>;
}

interface Mock {
  label: string;
  proc: ChildProcess;
  pid: number;
  port: number;
  probe: { account: string; credit: string };
}

interface Load {
  method: 'GET' | 'POST';
  path: (m: Mock) => string;
  body?: string;
}

const READS: Record<string, Load> = {
  list: { method: 'GET', path: (m) => `/credits?account_id=${m.probe.account}` },
  details: { method: 'GET', path: (m) => `/credits/${m.probe.credit}` },
  balance: { method: 'GET', path: (m) => `/accounts/${m.probe.account}/credit_balance` },
};
const GRANT: Load = { method: 'POST', path: () => '/credits', body: GRANT_BODY };

const PRELOAD = join(ROOT, 'bench', 'servers', 'togai-preload.mjs');

export async function runBackends(o: BackendOptions): Promise<BackendReport> {
  const report: BackendReport = {
    options: o,
    loadavg: { start: loadavg() },
    preload: [],
    cells: {},
    control: {},
    startup: [],
  };
  if (!redisAvailable) {
    // Everything else still runs; the Redis rows say why they are empty.
    log('WARNING: redis-server not found: the Redis measurements are skipped (apt-get install redis-server)');
    report.skipped = 'redis-server not found (apt-get install redis-server)';
  }
  const dir = mkdtempSync(join(tmpdir(), 'togai-mock-bench-backends-'));
  const procs: ChildProcess[] = [];
  let redis: TestRedis | undefined;
  const startMock = async (label: string, credits: number, env: Record<string, string>, core = '0'): Promise<Mock> => {
    log(`backends: starting ${label} (${credits} credits)`);
    const c = await startReporting(
      label,
      ['--expose-gc', PRELOAD],
      { BENCH_CREDITS: String(credits), BENCH_PER_ACCOUNT: String(o.perAccount), NODE_ENV: 'production', ...env },
      600_000,
      core,
    );
    c.proc.stdout!.resume();
    procs.push(c.proc);
    const rss = rssMb(c.pid);
    report.preload.push({ label, credits: c.info.credits as number, ms: c.info.preloadMs as number, rssMb: rss });
    log(`  ${c.info.credits} credits, ${c.info.preloadMs} ms, RSS ${rss.toFixed(0)} MB`);
    return {
      label,
      proc: c.proc,
      pid: c.pid,
      port: c.port,
      probe: { account: c.info.probeAccount as string, credit: c.info.probeCredit as string },
    };
  };

  try {
    if (redisAvailable) {
      redis = await TestRedis.start();
      pin(redis.pid!, '0');
      log(`backends: redis-server pid ${redis.pid} on port ${redis.port} (${redis.dir})`);
    }
    // ---------------------------------------------------- 1. grants and reads
    const has = (part: BackendPart): boolean => o.parts.includes(part);
    if (has('reads') || has('pair') || has('grants')) {
      const memory = await startMock('in memory', o.credits, {});
      const file = has('grants')
        ? await startMock('state file', o.credits, { BENCH_STATE_FILE: join(dir, 'state.json') })
        : undefined;
      const replicas: Mock[] = [];
      if (redis) {
        const env = { BENCH_REDIS_URL: redis.url, BENCH_REDIS_PREFIX: 'bench' };
        replicas.push(await startMock('Redis replica A', o.credits, env, '0'));
        if (has('pair')) {
          // B joins what A wrote (loads the snapshot, preloads nothing); it serves from core 1.
          const b = await startMock('Redis replica B', o.credits, env, '1');
          replicas.push({ ...b, probe: replicas[0]!.probe });
        }
      }
      const one = replicas.slice(0, 1);
      // Reads first (grants grow the stores).
      if (has('reads')) {
        report.loadavg.reads = loadavg();
        for (const [name, sc] of Object.entries(READS))
          report.cells[`read ${name}`] = await cell(
            o,
            [memory, ...one].map((m) => [m]),
            sc,
            o.connections,
          );
      }
      if (replicas.length === 2) {
        // Replica A on core 0, B on core 1; the load generator and Redis may use both cores.
        pin(process.pid, '0,1');
        pin(redis!.pid!, '0,1');
        report.loadavg.pair = loadavg();
        try {
          report.cells['read details, replicas'] = await cell(
            o,
            [[replicas[0]!], replicas],
            READS.details!,
            o.connections,
          );
        } finally {
          pin(process.pid, '1');
          pin(redis!.pid!, '0');
        }
      }
      if (has('grants')) {
        report.loadavg.grants = loadavg();
        const writers = [memory, file!, ...one].map((m) => [m]);
        report.cells['grant, 1 client'] = await cell(o, writers, GRANT, 1);
        report.cells[`grant, ${o.connections} clients`] = await cell(o, writers, GRANT, o.connections);
      }
      await Promise.all(procs.splice(0).map(stop));
    }

    // ------------------------------------------ 2. seeds and provider states
    if (has('control')) {
      report.loadavg.control = loadavg();
      const empty = await startMock('empty store', 0, {});
      const full = await startMock(`${fmtCount(o.big)} credits`, o.big, {});
      await controlCosts(o, report, empty, full);
      await Promise.all(procs.splice(0).map(stop));
    }

    // ---------------------------------------------------------- 3. start-up
    if (has('startup')) {
      report.loadavg.startup = loadavg();
      const bigFile = join(dir, 'big.json');
      log(`backends: writing a state file of ${o.big} credits`);
      await startMock(`state file, ${fmtCount(o.big)}`, o.big, { BENCH_STATE_FILE: bigFile, BENCH_EXIT: '1' });
      const fileMb = statSync(bigFile).size / 2 ** 20;
      report.startup.push({
        what: `\`node dist/cli.js\`, TOGAI_MOCK_STATE_FILE holding ${fmtCount(o.big)} credits`,
        size: `snapshot ${fileMb.toFixed(0)} MB`,
        ...(await startups(o, { TOGAI_MOCK_STATE_FILE: bigFile })),
      });
      if (redis) {
        log(`backends: writing ${o.big} credits into Redis`);
        await startMock(`Redis, ${fmtCount(o.big)}`, o.big, {
          BENCH_REDIS_URL: redis.url,
          BENCH_REDIS_PREFIX: 'big',
          BENCH_EXIT: '1',
        });
        report.startup.push({
          what: `\`node dist/cli.js\`, a replica joining a Redis prefix holding ${fmtCount(o.big)} credits`,
          size: `Redis used_memory ${await redisMemory(redis)}`,
          ...(await startups(o, { TOGAI_MOCK_REDIS_URL: redis.url, TOGAI_MOCK_REDIS_PREFIX: 'big' })),
        });
      }
      report.startup.push({ what: '`node dist/cli.js`, in memory, empty (reference)', ...(await startups(o, {})) });
    }
  } finally {
    await Promise.all(procs.map(stop));
    if (redis) await redis.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
  report.loadavg.end = loadavg();
  return report;
}

/**
 * One cell: each group (one mock, or several loaded at once and summed) under
 * the same load; warm-up, then `runs` rounds going round-robin over the
 * groups so each sees the same machine noise; medians. Labels: the mocks'
 * labels joined with " + ".
 */
async function cell(
  o: BackendOptions,
  groups: Mock[][],
  sc: Load,
  connections: number,
): Promise<Record<string, LatencyCell>> {
  const label = (g: Mock[]): string => g.map((m) => m.label).join(' + ');
  const runGroup = async (g: Mock[], seconds: number): Promise<LatencyCell> => {
    const cpu0 = g.map((m) => cpuMs(m.pid));
    const cells = await Promise.all(
      g.map((m) => load(`http://127.0.0.1:${m.port}${sc.path(m)}`, sc, seconds, connections)),
    );
    const total = cells.reduce((s, c) => s + c.raw.requests.total, 0);
    const cpu = g.reduce((s, m, i) => s + cpuMs(m.pid) - cpu0[i]!, 0);
    return {
      rps: cells.reduce((s, c) => s + c.rps, 0),
      cpuUs: (cpu * 1000) / Math.max(1, total),
      p50: Math.max(...cells.map((c) => c.p50)),
      p99: Math.max(...cells.map((c) => c.p99)),
      mean: cells.reduce((s, c) => s + c.raw.latency.average * c.raw.requests.total, 0) / Math.max(1, total),
      rssMb: g.reduce((s, m) => s + rssMb(m.pid), 0),
      non2xx: cells.reduce((s, c) => s + c.non2xx, 0),
      errors: cells.reduce((s, c) => s + c.errors, 0),
    };
  };
  if (o.warmup > 0) for (const g of groups) await runGroup(g, o.warmup);
  const samples = new Map<string, LatencyCell[]>();
  for (let run = 0; run < o.runs; run++) {
    for (const g of groups) {
      const c = await runGroup(g, o.duration);
      samples.set(label(g), [...(samples.get(label(g)) ?? []), c]);
      log(
        `backends: ${sc.method} ${sc.path(g[0]!).split('?')[0]} x${connections} run ${run + 1} ${label(g)}: ${Math.round(c.rps)} req/s, mean ${c.mean.toFixed(2)} ms, p99 ${c.p99} ms, ${Math.round(c.cpuUs)} µs CPU/req` +
          (c.non2xx || c.errors ? ` (non-2xx ${c.non2xx}, errors ${c.errors})` : ''),
      );
    }
  }
  const out: Record<string, LatencyCell> = {};
  for (const [l, cs] of samples) {
    out[l] = {
      rps: median(cs.map((c) => c.rps)),
      cpuUs: median(cs.map((c) => c.cpuUs)),
      p50: median(cs.map((c) => c.p50)),
      p99: median(cs.map((c) => c.p99)),
      mean: median(cs.map((c) => c.mean)),
      rssMb: median(cs.map((c) => c.rssMb)),
      non2xx: cs.reduce((s, c) => s + c.non2xx, 0),
      errors: cs.reduce((s, c) => s + c.errors, 0),
    };
  }
  return out;
}

/** A control call; its time in ms (fails the run on an unexpected status). */
async function control(m: Mock, path: string, body: unknown, status = 200): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`http://127.0.0.1:${m.port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const ms = performance.now() - t0;
  if (res.status !== status)
    throw new Error(`${m.label}: POST ${path} answered ${res.status} (expected ${status}): ${text.slice(0, 300)}`);
  return ms;
}

let stateNo = 0;
/**
 * Seeds of 10k credits (100 accounts of 100; the empty store is reset before
 * each, so each lands on an empty store) and provider-state setups (each torn
 * down again), alternating between the two stores; a refused setup (409) too.
 */
async function controlCosts(o: BackendOptions, report: BackendReport, empty: Mock, full: Mock): Promise<void> {
  const add = (measure: string, label: string, ms: number): void => {
    const m = (report.control[measure] ??= {});
    (m[label] ??= []).push(ms);
  };
  const stores = [empty, full];
  let seed = 1000;
  const setup = async (m: Mock, record: boolean): Promise<void> => {
    const n = stateNo++;
    const params = { accountId: `ps-${n}`, creditId: `cred.benchState${n % 10}.${String(n).padStart(5, '0')}` };
    const a = await control(m, '/_mock/provider-states', { state: 'an account has an active credit', params });
    // The same credit id for another state: refused, nothing changes.
    const b = await control(m, '/_mock/provider-states', { state: 'a credit is voided', params }, 409);
    await control(m, '/_mock/provider-states', {
      state: 'an account has an active credit',
      params,
      action: 'teardown',
    });
    if (record) {
      add('provider-state setup', m.label, a);
      add('provider-state setup refused (409)', m.label, b);
    }
  };
  const seedOnce = async (m: Mock, record: boolean): Promise<void> => {
    if (m === empty) await control(m, '/_mock/reset', {}, 204);
    const ms = await control(m, '/_mock/seed', { seed: seed++, accounts: 100, creditsPerAccount: 100 });
    if (record) add('seed 10k credits', m.label, ms);
  };
  // Warm-up: Faker loaded, code compiled, in both.
  for (const m of stores) {
    await seedOnce(m, false);
    for (let i = 0; i < 3; i++) await setup(m, false);
  }
  for (let i = 0; i < o.seedRuns; i++) for (const m of stores) await seedOnce(m, true);
  for (let i = 0; i < o.stateRuns; i++) for (const m of stores) await setup(m, true);
  for (const [measure, byStore] of Object.entries(report.control)) {
    log(
      `backends: ${measure}: ${Object.entries(byStore)
        .map(([l, xs]) => `${l} median ${median(xs).toFixed(1)} ms`)
        .join('; ')}`,
    );
  }
}

/** `node dist/cli.js` started `runs` times with `env`: ms to the first 200 and RSS then. */
async function startups(o: BackendOptions, env: Record<string, string>): Promise<{ ms: number[]; rssMb: number[] }> {
  const out = { ms: [] as number[], rssMb: [] as number[] };
  for (let i = 0; i < o.startupRuns; i++) {
    const t = await startTogaiCli(await freePort(), ROOT, env);
    out.ms.push(t.ms);
    out.rssMb.push(rssMb(t.proc.pid!));
    await stop(t.proc);
    log(
      `backends: start-up ${JSON.stringify(Object.keys(env))}: ${Math.round(t.ms)} ms, RSS ${out.rssMb.at(-1)!.toFixed(0)} MB`,
    );
  }
  return out;
}

async function redisMemory(redis: TestRedis): Promise<string> {
  const { Redis } = await import('ioredis');
  const client = new Redis(redis.url, { lazyConnect: true });
  try {
    await client.connect();
    const info = await client.info('memory');
    return /used_memory_human:(\S+)/.exec(info)?.[1] ?? 'n/a';
  } finally {
    client.disconnect();
  }
}

export function fmtCount(n: number): string {
  if (n >= 1_000_000 && n % 1_000_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 1000 && n % 1000 === 0) return `${n / 1000}k`;
  return String(n);
}

// ------------------------------------------------------------------ report

const f0 = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
const f2 = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');
const pct = (n: number): string => (Number.isFinite(n) ? `${Math.round(100 * n)} %` : 'n/a');

/** The results' cells of the main section, for the no-regression rows: results[scenario][label]. */
export interface MainResults {
  results: Record<string, Record<string, Cell>>;
  instances: string[];
  startup: { togai: number[]; baseline: number[] };
  baselineCommit: string | undefined;
}

export function renderBackends(r: BackendReport, main: MainResults | undefined, command: string): string {
  const o = r.options;
  const L: string[] = [];
  const rows: string[] = [];
  const row = (target: string, measured: string, detail: string, ok: boolean | undefined): void => {
    rows.push(`| ${target} | ${measured} | ${detail} | ${ok === undefined ? 'n/a' : ok ? 'met' : '**missed**'} |`);
  };
  // In memory, against the build before the engine.
  if (main) {
    const before = main.instances.filter((l) => l.startsWith('togai-mock') && l.endsWith(' (before)'));
    if (before.length === 0)
      row(
        'in memory: every scenario within 10 % of before',
        'not measured',
        'run with --baseline=DIR (bench/baseline.sh DIR 98316b3)',
        undefined,
      );
    for (const b of before) {
      const now = b.replace(' (before)', '');
      for (const [sc, cells] of Object.entries(main.results)) {
        const x = cells[now];
        const y = cells[b];
        if (!x || !y) continue;
        const ratio = x.rps / y.rps;
        row(
          `in memory, ${sc} at ${now.replace('togai-mock ', '')}: >= 90 % of before`,
          pct(ratio),
          `${f0(x.rps)} vs ${f0(y.rps)} req/s; by CPU per request ${pct(y.cpuUs / x.cpuUs)}`,
          ratio >= 0.9,
        );
      }
    }
    if (main.startup.togai.length && main.startup.baseline.length) {
      const a = median(main.startup.togai);
      const b = median(main.startup.baseline);
      row(
        'in memory, start-up (empty store): >= 90 % of before (speed)',
        pct(b / a),
        `${f0(a)} ms vs ${f0(b)} ms`,
        b / a >= 0.9,
      );
    }
  }
  const c = (name: string, label: string): LatencyCell | undefined => r.cells[name]?.[label];
  const many = `grant, ${o.connections} clients`;
  const mem1 = c('grant, 1 client', 'in memory');
  const file1 = c('grant, 1 client', 'state file');
  const memN = c(many, 'in memory');
  const fileN = c(many, 'state file');
  const at = fmtCount(o.credits);
  if (mem1 && file1) {
    const x = file1.mean / mem1.mean;
    row(
      `state file at ${at}: grant, 1 client, <= 3x in memory (latency)`,
      `${f2(x)}x`,
      `mean ${f2(file1.mean)} ms vs ${f2(mem1.mean)} ms`,
      x <= 3,
    );
  }
  if (memN && fileN) {
    const x = memN.rps / fileN.rps;
    row(
      `state file at ${at}: grant, ${o.connections} clients, <= 1.5x in memory (1/throughput)`,
      `${f2(x)}x`,
      `${f0(fileN.rps)} vs ${f0(memN.rps)} req/s; p99 ${fileN.p99} vs ${memN.p99} ms`,
      x <= 1.5,
    );
  }
  const big = fmtCount(o.big);
  const ctl = (measure: string, label: string): number => median(r.control[measure]?.[label] ?? []);
  for (const measure of ['seed 10k credits', 'provider-state setup', 'provider-state setup refused (409)']) {
    const e = ctl(measure, 'empty store');
    const f = ctl(measure, `${big} credits`);
    if (!Number.isFinite(e) || !Number.isFinite(f)) continue;
    row(`${measure}: at ${big} <= 1.5x on an empty store`, `${f2(f / e)}x`, `${f1(f)} ms vs ${f1(e)} ms`, f / e <= 1.5);
  }
  const ps = ctl('provider-state setup', `${big} credits`);
  if (Number.isFinite(ps))
    row(`provider-state setup at ${big} <= 20 ms`, `${f1(ps)} ms`, 'median, one client', ps <= 20);
  if (r.skipped) row('Redis targets', 'not measured', r.skipped, undefined);
  const memG = memN;
  const redG = c(many, 'Redis replica A');
  if (memG && redG) {
    const x = redG.rps / memG.rps;
    row(
      `Redis, one replica: grants >= 40 % of in memory (${o.connections} clients)`,
      pct(x),
      `${f0(redG.rps)} vs ${f0(memG.rps)} req/s; by CPU per request ${pct(memG.cpuUs / redG.cpuUs)}`,
      x >= 0.4,
    );
  }
  for (const name of Object.keys(READS)) {
    const m = c(`read ${name}`, 'in memory');
    const d = c(`read ${name}`, 'Redis replica A');
    if (!m || !d) continue;
    const x = d.rps / m.rps;
    row(
      `Redis, one replica: read ${name} >= 80 % of in memory`,
      pct(x),
      `${f0(d.rps)} vs ${f0(m.rps)} req/s; by CPU per request ${pct(m.cpuUs / d.cpuUs)}`,
      x >= 0.8,
    );
  }
  const pair = r.cells['read details, replicas'];
  if (pair) {
    const a = pair['Redis replica A'];
    const ab = pair['Redis replica A + Redis replica B'];
    if (a && ab)
      row(
        'Redis, two replicas on two cores: read details together >= 1.6x one replica',
        `${f2(ab.rps / a.rps)}x`,
        `${f0(ab.rps)} vs ${f0(a.rps)} req/s`,
        ab.rps / a.rps >= 1.6,
      );
  }
  for (const s of r.startup) {
    if (s.what.includes('reference')) continue;
    row(
      `start-up: ${s.what}`,
      `${f0(median(s.ms))} ms`,
      `RSS ${f0(median(s.rssMb))} MB at the first answer${s.size ? `; ${s.size}` : ''}`,
      undefined,
    );
  }

  L.push('### Targets (state file and Redis)');
  L.push('');
  L.push(
    `Command: \`${command}\`${main?.baselineCommit ? ` (the "before" build: \`bash bench/baseline.sh DIR ${main.baselineCommit}\`)` : ''}.`,
  );
  L.push('');
  L.push(
    `Load average (1, 5, 15 min): ${Object.entries(r.loadavg)
      .map(([k, v]) => `${k} ${v}`)
      .join('; ')}.`,
  );
  L.push('');
  L.push('| target | measured | in the same run | |');
  L.push('|---|---:|---|---|');
  L.push(...rows);
  L.push('');
  L.push(
    `How: ${o.duration} s per cell after a ${o.warmup} s warm-up, ${o.runs} run(s), median; the mocks of one cell measured round-robin. ` +
      `Mocks pinned to core 0 and the load generator to core 1${PIN ? '' : ' (no pinning here: taskset or a second core is missing)'}; redis-server (appendonly yes, appendfsync always) on core 0 with the mocks. ` +
      'For the two-replica row, replica A stays on core 0, replica B runs on core 1, and the load generator and redis-server may use both cores; ' +
      'the one-replica figure it is compared with is taken in that same arrangement, alternating with the pair. ' +
      `Grants and reads at ${at} credits in each store (state file and Redis: in the log's snapshot); seeds and provider states on a store of its own (empty, reset before each seed) against one holding ${big}.`,
  );
  L.push('');
  L.push('#### Grants and reads');
  L.push('');
  L.push('| cell | mock | req/s | mean ms | p99 ms | CPU µs/req | RSS MB |');
  L.push('|---|---|---:|---:|---:|---:|---:|');
  for (const [name, cells] of Object.entries(r.cells)) {
    for (const [label, x] of Object.entries(cells)) {
      const flags = x.non2xx || x.errors ? ` (non-2xx ${x.non2xx}, errors ${x.errors})` : '';
      L.push(
        `| ${name} | ${label}${flags} | ${f0(x.rps)} | ${f2(x.mean)} | ${x.p99} | ${f0(x.cpuUs)} | ${f0(x.rssMb)} |`,
      );
    }
  }
  L.push('');
  if (Object.keys(r.control).length) {
    L.push('#### Seeds and provider states (one client, ms)');
    L.push('');
    const labels = [...new Set(Object.values(r.control).flatMap((m) => Object.keys(m)))];
    L.push(`| measure | ${labels.map((l) => `${l}: median (samples)`).join(' | ')} |`);
    L.push(`|---|${labels.map(() => '---').join('|')}|`);
    for (const [measure, m] of Object.entries(r.control)) {
      L.push(
        `| ${measure} | ${labels.map((l) => `${f1(median(m[l] ?? []))} (${(m[l] ?? []).map(f1).join(', ')})`).join(' | ')} |`,
      );
    }
    L.push('');
  }
  if (r.startup.length) {
    L.push('#### Start-up to the first served request');
    L.push('');
    L.push('| what | runs (ms) | median ms | RSS at the first answer, MB | stored |');
    L.push('|---|---|---:|---:|---|');
    for (const s of r.startup)
      L.push(
        `| ${s.what} | ${s.ms.map(Math.round).join(', ')} | ${f0(median(s.ms))} | ${f0(median(s.rssMb))} | ${s.size ?? ''} |`,
      );
    L.push('');
  }
  if (r.preload.length) {
    L.push(
      'Preloads: ' +
        r.preload
          .map((p) => `${p.label} ${f0(p.credits)} credits in ${f0(p.ms)} ms (RSS ${f0(p.rssMb)} MB)`)
          .join('; ') +
        '.',
    );
    L.push('');
  }
  return L.join('\n');
}
